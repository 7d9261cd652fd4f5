/* api/http/openapi.c: an OpenAPI 3.1 document generated from the app's route table and the
 * documentation text kept on each row, so the document cannot drift from what is served. */
#include "api/http/http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char error_schema[] =
    "{\"type\":\"object\",\"required\":[\"error\"],\"properties\":{\"error\":{\"type\":\"object\","
    "\"required\":[\"code\",\"field\",\"message\"],\"properties\":{"
    "\"code\":{\"type\":\"string\",\"description\":\"stable error code, e.g. invalid, "
    "not_found, conflict, unauthorized, forbidden, too_big\"},"
    "\"field\":{\"type\":[\"string\",\"null\"],\"description\":\"JSON path of the input at "
    "fault\"},"
    "\"message\":{\"type\":\"string\",\"description\":\"what went wrong and how to fix it\"}}}}}";

/* "admin, dispatcher": the superuser roles (allowed everywhere) and those of the route. */
static const char *role_names(const http_app *app, unsigned roles, char *buf, size_t size) {
    buf[0] = '\0';
    for (unsigned i = 0; i < HTTP_MAX_ROLES; i++) {
        if (!((roles | app->superuser) & (1u << i)) || !app->role_names[i]) continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? ", " : "", app->role_names[i]);
    }
    return buf;
}

/* operationId from method and pattern: "GET /v1/orders/{id}" -> "get_v1_orders_id" */
static void operation_id(const http_route *rt, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = rt->method; *p && n + 1 < size; p++)
        out[n++] = (char)tolower((unsigned char)*p);
    for (const char *p = rt->pattern; *p && n + 1 < size; p++) {
        if (*p == '{' || *p == '}') continue;
        out[n++] = isalnum((unsigned char)*p) ? *p : '_';
    }
    out[n] = '\0';
}

static cJSON *json_content(const char *type, const char *schema_text) {
    cJSON *content = cJSON_CreateObject(), *media = cJSON_AddObjectToObject(content, type);
    cJSON *schema = schema_text ? cJSON_Parse(schema_text) : cJSON_CreateObject();
    if (!media || !schema) {
        cJSON_Delete(schema);
        cJSON_Delete(content);
        return NULL;
    }
    cJSON_AddItemToObject(media, "schema", schema);
    return content;
}

static cJSON *operation(const http_app *app, const http_route *rt) {
    cJSON *op = cJSON_CreateObject();
    char buf[160];
    cJSON_AddStringToObject(op, "summary", rt->summary ? rt->summary : "");
    operation_id(rt, buf, sizeof buf);
    cJSON_AddStringToObject(op, "operationId", buf);
    /* the tag is the first segment after /v1 (or the first segment) */
    const char *seg = !strncmp(rt->pattern, "/v1/", 4) ? rt->pattern + 4 : rt->pattern + 1;
    size_t len = strcspn(seg, "/{");
    snprintf(buf, sizeof buf, "%.*s", (int)(len ? len : 4), len ? seg : "meta");
    cJSON *tags = cJSON_AddArrayToObject(op, "tags");
    cJSON_AddItemToArray(tags, cJSON_CreateString(buf));

    if (rt->roles == HTTP_PUBLIC) {
        cJSON_AddItemToObject(op, "security", cJSON_CreateArray());
    } else {
        char roles[80], desc[200];
        snprintf(desc, sizeof desc, "Roles: %s.", role_names(app, rt->roles, roles, sizeof roles));
        cJSON_AddStringToObject(op, "description", desc);
    }

    cJSON *params = cJSON_AddArrayToObject(op, "parameters");
    for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (!e) break;
        cJSON *prm = cJSON_CreateObject();
        snprintf(buf, sizeof buf, "%.*s", (int)(e - p - 1), p + 1);
        cJSON_AddStringToObject(prm, "name", buf);
        cJSON_AddStringToObject(prm, "in", "path");
        cJSON_AddTrueToObject(prm, "required");
        cJSON *sch = cJSON_AddObjectToObject(prm, "schema");
        cJSON_AddStringToObject(sch, "type", "string");
        cJSON_AddItemToArray(params, prm);
    }

    if (rt->request_schema) {
        cJSON *body = cJSON_AddObjectToObject(op, "requestBody");
        cJSON *content = json_content(rt->flags & HTTP_RAW_BODY ? "text/plain" : "application/json",
                                      rt->request_schema);
        if (!content) goto fail;
        cJSON_AddTrueToObject(body, "required");
        cJSON_AddItemToObject(body, "content", content);
    }

    cJSON *responses = cJSON_AddObjectToObject(op, "responses");
    int status = rt->success_status ? rt->success_status : 200;
    snprintf(buf, sizeof buf, "%d", status);
    cJSON *ok = cJSON_AddObjectToObject(responses, buf);
    cJSON_AddStringToObject(ok, "description", "success");
    if (status != 204) {
        cJSON *content = json_content(rt->success_type ? rt->success_type : "application/json",
                                      rt->response_schema);
        if (!content) goto fail;
        cJSON_AddItemToObject(ok, "content", content);
    }
    cJSON *def = cJSON_AddObjectToObject(responses, "default");
    cJSON_AddStringToObject(def, "description", "error");
    cJSON *content = cJSON_AddObjectToObject(def, "content");
    cJSON *media = cJSON_AddObjectToObject(content, "application/json");
    cJSON *schema = cJSON_AddObjectToObject(media, "schema");
    cJSON *ref = schema;
    const char *own_schema = NULL;
    for (size_t i = 0; i < app->n_route_errors; i++)
        if (!strcmp(app->route_errors[i].method, rt->method) &&
            !strcmp(app->route_errors[i].pattern, rt->pattern))
            own_schema = app->route_errors[i].schema;
    if (own_schema) { /* {"oneOf": [Error, the route's own shape]} */
        cJSON *one = cJSON_AddArrayToObject(schema, "oneOf"), *own = cJSON_Parse(own_schema);
        ref = cJSON_CreateObject();
        if (!one || !own || !ref) {
            cJSON_Delete(own);
            cJSON_Delete(ref);
            goto fail;
        }
        cJSON_AddItemToArray(one, ref);
        cJSON_AddItemToArray(one, own);
    }
    cJSON_AddStringToObject(ref, "$ref", "#/components/schemas/Error");
    return op;
fail:
    cJSON_Delete(op);
    return NULL;
}

cJSON *http_openapi_build(const http_app *app) {
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "openapi", "3.1.0");
    cJSON *info = cJSON_AddObjectToObject(doc, "info");
    cJSON_AddStringToObject(info, "title", app->title ? app->title : "");
    cJSON_AddStringToObject(info, "version", app->version ? app->version : "");
    cJSON_AddStringToObject(info, "description", app->description ? app->description : "");
    cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
    for (size_t i = 0; i < app->n_routes; i++) {
        const http_route *rt = &app->routes[i];
        cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, rt->pattern);
        if (!item) item = cJSON_AddObjectToObject(paths, rt->pattern);
        char method[16];
        size_t n = 0;
        for (; rt->method[n] && n + 1 < sizeof method; n++)
            method[n] = (char)tolower((unsigned char)rt->method[n]);
        method[n] = '\0';
        cJSON *op = operation(app, rt);
        if (!item || !op) {
            cJSON_Delete(op);
            cJSON_Delete(doc);
            return NULL;
        }
        cJSON_AddItemToObject(item, method, op);
    }
    cJSON *components = cJSON_AddObjectToObject(doc, "components");
    cJSON *schemas = cJSON_AddObjectToObject(components, "schemas");
    cJSON_AddItemToObject(schemas, "Error", cJSON_Parse(error_schema));
    cJSON *sec = cJSON_AddObjectToObject(components, "securitySchemes");
    cJSON *bearer = cJSON_AddObjectToObject(sec, "bearer");
    cJSON_AddStringToObject(bearer, "type", "http");
    cJSON_AddStringToObject(bearer, "scheme", "bearer");
    cJSON *security = cJSON_AddArrayToObject(doc, "security");
    cJSON *req = cJSON_CreateObject();
    cJSON_AddItemToObject(req, "bearer", cJSON_CreateArray());
    cJSON_AddItemToArray(security, req);
    return doc;
}

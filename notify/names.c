/* notify/names.c: the names of notification kinds and channels, as stored and as the API spells
 * them. */
#include "notify/notify.h"

#include <string.h>

static const char *const kind_names[] = {
#define NOTIFY_X_NAME(name, text) text,
    NOTIFY_KIND_MAP(NOTIFY_X_NAME)
#undef NOTIFY_X_NAME
};

const char *notify_kind_name(notify_kind k) {
    return (unsigned)k < NOTIFY__KIND_COUNT ? kind_names[k] : "unknown";
}

bool notify_kind_parse(const char *name, notify_kind *out) {
    for (int k = 0; name && k < NOTIFY__KIND_COUNT; k++)
        if (!strcmp(name, kind_names[k])) {
            *out = (notify_kind)k;
            return true;
        }
    return false;
}

const char *notify_channel_name(notify_channel c) {
    return c == NOTIFY_SMS ? "sms" : "email";
}

bool notify_channel_parse(const char *name, notify_channel *out) {
    if (name && !strcmp(name, "email")) {
        *out = NOTIFY_EMAIL;
        return true;
    }
    if (name && !strcmp(name, "sms")) {
        *out = NOTIFY_SMS;
        return true;
    }
    return false;
}

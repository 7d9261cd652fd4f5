/* feedback/names.c: the names of feedback's enumerations (tags, categories, priorities, statuses,
 * sources, actions) and the one transition table of a complaint ticket. */
#include "feedback/feedback.h"

#include <string.h>

#define NAME_TEXT(name, text) text,

static const char *const tag_names[] = {FEEDBACK_TAG_MAP(NAME_TEXT)};
static const char *const category_names[] = {FEEDBACK_CATEGORY_MAP(NAME_TEXT)};
static const char *const priority_names[] = {FEEDBACK_PRIORITY_MAP(NAME_TEXT)};
static const char *const status_names[] = {FEEDBACK_STATUS_MAP(NAME_TEXT)};
static const char *const source_names[] = {FEEDBACK_SOURCE_MAP(NAME_TEXT)};
static const char *const action_names[] = {FEEDBACK_ACTION_MAP(NAME_TEXT)};

#undef NAME_TEXT

static const char *name_of(const char *const *names, size_t n, int v) {
    return v >= 0 && (size_t)v < n ? names[v] : "unknown";
}

static bool parse_in(const char *const *names, size_t n, const char *name, int *out) {
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(names[i], name)) {
            *out = (int)i;
            return true;
        }
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *feedback_tag_name(feedback_tag t) {
    return name_of(tag_names, COUNT(tag_names), (int)t);
}
bool feedback_tag_parse(const char *name, feedback_tag *out) {
    int v;
    if (!parse_in(tag_names, COUNT(tag_names), name, &v)) return false;
    *out = (feedback_tag)v;
    return true;
}
const char *feedback_category_name(feedback_category c) {
    return name_of(category_names, COUNT(category_names), (int)c);
}
bool feedback_category_parse(const char *name, feedback_category *out) {
    int v;
    if (!parse_in(category_names, COUNT(category_names), name, &v)) return false;
    *out = (feedback_category)v;
    return true;
}
const char *feedback_priority_name(feedback_priority p) {
    return name_of(priority_names, COUNT(priority_names), (int)p);
}
bool feedback_priority_parse(const char *name, feedback_priority *out) {
    int v;
    if (!parse_in(priority_names, COUNT(priority_names), name, &v)) return false;
    *out = (feedback_priority)v;
    return true;
}
const char *feedback_status_name(feedback_status s) {
    return name_of(status_names, COUNT(status_names), (int)s);
}
bool feedback_status_parse(const char *name, feedback_status *out) {
    int v;
    if (!parse_in(status_names, COUNT(status_names), name, &v)) return false;
    *out = (feedback_status)v;
    return true;
}
const char *feedback_source_name(feedback_source s) {
    return name_of(source_names, COUNT(source_names), (int)s);
}
bool feedback_source_parse(const char *name, feedback_source *out) {
    int v;
    if (!parse_in(source_names, COUNT(source_names), name, &v)) return false;
    *out = (feedback_source)v;
    return true;
}
const char *feedback_action_name(feedback_action a) {
    return name_of(action_names, COUNT(action_names), (int)a);
}
bool feedback_action_parse(const char *name, feedback_action *out) {
    int v;
    if (!parse_in(action_names, COUNT(action_names), name, &v)) return false;
    *out = (feedback_action)v;
    return true;
}

/* The transition table: for each action, the statuses it starts from and where it leads.
 * Resolving straight from acknowledged is allowed (a quick fix needs no separate "in progress");
 * resolving a ticket nobody acknowledged is not, so every ticket is seen before it is settled. */
static const struct {
    unsigned from_mask;
    feedback_status to;
} transitions[FEEDBACK__ACTION_COUNT] = {
    [FEEDBACK_ACTION_ACKNOWLEDGE] = {1u << FEEDBACK_STATUS_NEW, FEEDBACK_STATUS_ACKNOWLEDGED},
    [FEEDBACK_ACTION_START] = {1u << FEEDBACK_STATUS_ACKNOWLEDGED, FEEDBACK_STATUS_IN_PROGRESS},
    [FEEDBACK_ACTION_RESOLVE] = {(1u << FEEDBACK_STATUS_ACKNOWLEDGED) |
                                     (1u << FEEDBACK_STATUS_IN_PROGRESS),
                                 FEEDBACK_STATUS_RESOLVED},
    [FEEDBACK_ACTION_CLOSE] = {1u << FEEDBACK_STATUS_RESOLVED, FEEDBACK_STATUS_CLOSED},
    [FEEDBACK_ACTION_REOPEN] = {(1u << FEEDBACK_STATUS_RESOLVED) | (1u << FEEDBACK_STATUS_CLOSED),
                                FEEDBACK_STATUS_IN_PROGRESS},
};

bool feedback_action_allowed(feedback_status from, feedback_action a, feedback_status *to) {
    if ((int)a < 0 || a >= FEEDBACK__ACTION_COUNT || (int)from < 0 ||
        from >= FEEDBACK__STATUS_COUNT)
        return false;
    if (!(transitions[a].from_mask & (1u << from))) return false;
    if (to) *to = transitions[a].to;
    return true;
}

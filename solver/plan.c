/* Plan mode (VROOM's -c): given routes are kept as they are, start times are chosen by the MIP of
 * plan_mip.c, and every broken constraint is reported as a violation instead of refused. This
 * file prepares one route (the model's data and bounds, as VROOM's choose_ETA) and writes the
 * chosen times back as solution steps with their violations. */
#include "solver/plan_internal.h"

#include <stdio.h>
#include <string.h>

static const solver_tw default_tw = {0, SOLVER_TIME_INF};

/* ---- Violation sets, in the order VROOM reports them ----
 * VROOM keeps them in a std::unordered_set of a small enum: iteration gives the most recently
 * inserted first, so a new cause goes to the front. */

static void viol_add(solver_violations *v, solver_violation c) {
    for (uint8_t i = 0; i < v->n; i++)
        if (v->causes[i] == c) return;
    memmove(v->causes + 1, v->causes, v->n);
    v->causes[0] = (uint8_t)c;
    v->n++;
}

static void viol_merge(solver_violations *into, const solver_violations *from) {
    into->lead_time_s += from->lead_time_s;
    into->delay_s += from->delay_s;
    for (uint8_t i = 0; i < from->n; i++)
        viol_add(into, (solver_violation)from->causes[i]);
}

/* ---- One route's data ---- */

static void route_free(plan__route *r) {
    lm_free(r->st);
    lm_free(r->J);
    lm_free(r->B);
    lm_free(r->ev_dur);
    lm_free(r->ev_dist);
    lm_free(r->act);
    lm_free(r->rel_eta);
    lm_free(r->lb);
    lm_free(r->ub);
    lm_free(r->first_tw);
    lm_free(r->last_tw);
    lm_free(r->t);
    lm_free(r->delta);
    lm_free(r->tw_rank);
}

static lm_status route_alloc(plan__route *r, size_t ns) {
    r->st = lm_calloc(ns, sizeof *r->st);
    r->J = lm_calloc(ns, sizeof *r->J);
    r->B = lm_calloc(ns, sizeof *r->B);
    r->ev_dur = lm_calloc(ns, sizeof *r->ev_dur);
    r->ev_dist = lm_calloc(ns, sizeof *r->ev_dist);
    r->act = lm_calloc(ns, sizeof *r->act);
    r->rel_eta = lm_calloc(ns, sizeof *r->rel_eta);
    r->lb = lm_calloc(ns, sizeof *r->lb);
    r->ub = lm_calloc(ns, sizeof *r->ub);
    r->first_tw = lm_calloc(ns, sizeof *r->first_tw);
    r->last_tw = lm_calloc(ns, sizeof *r->last_tw);
    r->t = lm_calloc(ns, sizeof *r->t);
    r->delta = lm_calloc(ns, sizeof *r->delta);
    r->tw_rank = lm_calloc(ns, sizeof *r->tw_rank);
    if (!r->st || !r->J || !r->B || !r->ev_dur || !r->ev_dist || !r->act || !r->rel_eta || !r->lb ||
        !r->ub || !r->first_tw || !r->last_tw || !r->t || !r->delta || !r->tw_rank)
        return LM_NOMEM;
    return LM_OK;
}

static void set_tws(plan__step *s, const solver__tws *tws) {
    s->tw_default = tws->n == 0;
    s->tws = tws->n ? tws->w : &default_tw;
    s->n_tws = tws->n ? tws->n : 1;
}

/* The caller's steps with start and end added where missing (VROOM's Vehicle does the same). */
static lm_status normalise(plan__route *r, const solver_plan_route *in, size_t route_no,
                           lm_errinfo *err) {
    const solver_problem *p = r->p;
    size_t k = 0, n = in->n_steps;
    if (route_alloc(r, n + 2) != LM_OK) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    size_t first = 0;
    r->st[k++] = (plan__step){.type = SOLVER_STEP_START, .loc = SOLVER_NONE};
    if (n && in->steps[0].type == SOLVER_STEP_START) {
        r->st[0].in = &in->steps[0];
        first = 1;
    }
    for (size_t i = first; i < n; i++) {
        const solver_plan_step *s = &in->steps[i];
        plan__step *o = &r->st[k];
        *o = (plan__step){.type = s->type, .index = s->index, .in = s, .loc = SOLVER_NONE};
        bool last = i + 1 == n;
        if (s->type == SOLVER_STEP_START || (s->type == SOLVER_STEP_END && !last))
            return lm_errinfo_set(err, LM_INVALID, "routes", "route %zu: unexpected %s step %zu",
                                  route_no, s->type == SOLVER_STEP_START ? "start" : "end", i);
        if (s->type == SOLVER_STEP_END) continue;
        if (s->type == SOLVER_STEP_JOB) {
            if (s->index >= p->n_jobs) goto bad_index;
            const solver__job *j = &p->jobs[s->index];
            o->loc = j->pub.location;
            o->setup_s = j->pub.setup_s;
            o->service_s = j->pub.service_s;
            set_tws(o, &j->tws);
        } else if (s->type == SOLVER_STEP_PICKUP || s->type == SOLVER_STEP_DELIVERY) {
            if (s->index >= p->n_shipments) goto bad_index;
            const solver__shipment *sh = &p->shipments[s->index];
            bool pick = s->type == SOLVER_STEP_PICKUP;
            const solver_task *t = pick ? &sh->pub.pickup : &sh->pub.delivery;
            o->loc = t->location;
            o->setup_s = t->setup_s;
            o->service_s = t->service_s;
            set_tws(o, pick ? &sh->pickup_tws : &sh->delivery_tws);
        } else if (s->type == SOLVER_STEP_BREAK) {
            if (s->index >= r->v->pub.n_breaks) goto bad_index;
            o->service_s = r->v->breaks[s->index].pub.service_s;
            set_tws(o, &r->v->breaks[s->index].tws);
        } else {
            goto bad_index;
        }
        if (s->has_setup) o->setup_s = s->setup_s;
        if (s->has_service && s->type != SOLVER_STEP_BREAK) o->service_s = s->service_s;
        k++;
        continue;
    bad_index:
        return lm_errinfo_set(err, LM_INVALID, "routes", "route %zu: step %zu names no task",
                              route_no, i);
    }
    r->st[k] = (plan__step){.type = SOLVER_STEP_END, .loc = SOLVER_NONE};
    if (n && in->steps[n - 1].type == SOLVER_STEP_END) r->st[k].in = &in->steps[n - 1];
    r->ns = k + 1;
    r->n = r->ns - 2;
    return LM_OK;
}

static bool is_task(solver_step_type t) {
    return t == SOLVER_STEP_JOB || t == SOLVER_STEP_PICKUP || t == SOLVER_STEP_DELIVERY;
}

/* Times of a planned route stay below this, so that no sum of them overflows. */
#define PLAN_TIME_MAX (INT64_C(1) << 52)

/* J, B, travel, action times and relative ETAs (VROOM's first pass). False if the route's
 * travel and action times add up past PLAN_TIME_MAX. */
static bool first_pass(plan__route *r) {
    const solver__vehicle *v = r->v;
    uint32_t prev = v->pub.start;
    int64_t rel = 0;
    r->hs = INT64_MAX;
    r->he = 0;
    r->tw_vehicle_default = v->pub.shift.start_s == 0 && v->pub.shift.end_s >= SOLVER_TIME_INF;
    if (!r->tw_vehicle_default) {
        r->hs = v->pub.shift.start_s;
        r->he = v->pub.shift.end_s;
    }
    int64_t action_sum = 0;
    size_t cur = 0;
    for (size_t s = 0; s < r->ns; s++) {
        plan__step *st = &r->st[s];
        if (st->type == SOLVER_STEP_START) {
            r->J[r->nJ] = cur++;
            r->B[r->nJ] = 0;
            r->act[r->nJ++] = 0;
            r->rel_eta[s] = 0;
        } else if (is_task(st->type)) {
            r->K += st->n_tws;
            if (!st->tw_default) {
                if (st->tws[0].start_s < r->hs) r->hs = st->tws[0].start_s;
                if (st->tws[st->n_tws - 1].end_s > r->he) r->he = st->tws[st->n_tws - 1].end_s;
            }
            int64_t d = 0, dist = 0;
            if (prev != SOLVER_NONE) {
                d = solver__duration(r->p, v, prev, st->loc);
                dist = solver__distance(r->p, prev, st->loc);
            }
            r->ev_dur[r->nJ - 1] = d;
            r->ev_dist[r->nJ - 1] = dist;
            r->ev_sum_dur += d;
            r->ev_sum_dist += dist;
            rel += d;
            r->rel_eta[s] = rel;
            bool setup = prev == SOLVER_NONE || prev != st->loc;
            int64_t a = (setup ? st->setup_s : 0) + st->service_s;
            r->J[r->nJ] = cur++;
            r->B[r->nJ] = 0;
            r->act[r->nJ++] = a;
            action_sum += a;
            rel += a;
            prev = st->loc;
        } else if (st->type == SOLVER_STEP_BREAK) {
            r->K += st->n_tws;
            r->B[r->nJ - 1]++;
            cur++;
            action_sum += st->service_s;
            if (!st->tw_default) {
                if (st->tws[0].start_s < r->hs) r->hs = st->tws[0].start_s;
                if (st->tws[st->n_tws - 1].end_s > r->he) r->he = st->tws[st->n_tws - 1].end_s;
            }
            r->rel_eta[s] = rel;
            rel += st->service_s;
        } else { /* end */
            int64_t d = 0, dist = 0;
            if (v->pub.end != SOLVER_NONE && prev != SOLVER_NONE) {
                d = solver__duration(r->p, v, prev, v->pub.end);
                dist = solver__distance(r->p, prev, v->pub.end);
            }
            r->ev_dur[r->nJ - 1] = d;
            r->ev_dist[r->nJ - 1] = dist;
            r->ev_sum_dur += d;
            r->ev_sum_dist += dist;
            rel += d;
            r->rel_eta[s] = rel;
        }
        if (rel > PLAN_TIME_MAX) return false;
    }
    r->makespan_est = r->ev_sum_dur + action_sum;
    return true;
}

/* Violation of a start at t against windows tws (the smaller one between two windows). */
static int64_t tw_violation(const plan__step *s, int64_t t) {
    for (size_t k = 0; k < s->n_tws; k++) {
        if (t > s->tws[k].end_s) continue;
        if (t >= s->tws[k].start_s) return 0;
        if (k == 0) return s->tws[0].start_s - t;
        int64_t late = t - s->tws[k - 1].end_s, early = s->tws[k].start_s - t;
        return late < early ? late : early;
    }
    return t - s->tws[s->n_tws - 1].end_s;
}

static lm_status infeasible(const plan__route *r, lm_errinfo *err) {
    return lm_errinfo_set(err, LM_INVALID, "steps", "Infeasible route for vehicle %llu.",
                          (unsigned long long)r->v->pub.id);
}

/* A sample schedule (start as soon as possible) bounds the sum of violations; its margins let
 * the horizon grow just enough for lead times before it and delays after it. */
static lm_status sample_and_horizon(plan__route *r, lm_errinfo *err) {
    const solver__vehicle *v = r->v;
    size_t ns = r->ns;
    int64_t start_candidate = INT64_MAX;
    for (size_t s = 0; s < ns; s++) {
        const solver_plan_step *in = r->st[s].in;
        int64_t latest = INT64_MAX;
        if (in && in->has_at) latest = in->at_s;
        if (in && in->has_before && in->before_s < latest) latest = in->before_s;
        r->ub[s] = latest; /* reused as latest_dates for now */
        if (latest == INT64_MAX) continue;
        if (latest < r->rel_eta[s]) return infeasible(r, err);
        if (latest - r->rel_eta[s] < start_candidate) start_candidate = latest - r->rel_eta[s];
    }
    if (!r->tw_vehicle_default) {
        if (v->pub.shift.start_s < start_candidate) start_candidate = v->pub.shift.start_s;
    } else if (r->hs == INT64_MAX) {
        start_candidate = 0;
    } else if (r->hs < start_candidate) {
        start_candidate = r->hs;
    }
    int64_t sample = 0, date = start_candidate;
    int64_t *lead = r->lb, *delay = r->t; /* scratch: margins per step */
    bool *has_tw = lm_calloc(ns, sizeof *has_tw);
    if (!has_tw) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    for (size_t s = 0; s < ns; s++) {
        const plan__step *st = &r->st[s];
        lead[s] = delay[s] = 0;
        if (s > 0) date += r->rel_eta[s] - r->rel_eta[s - 1];
        if (st->in && st->in->has_at && st->in->at_s > date) date = st->in->at_s;
        if (st->in && st->in->has_after && st->in->after_s > date) date = st->in->after_s;
        if (date > r->ub[s]) {
            lm_free(has_tw);
            return infeasible(r, err);
        }
        if (st->type == SOLVER_STEP_START) {
            if (r->tw_vehicle_default) continue;
            has_tw[s] = true;
            if (date < v->pub.shift.start_s) sample += v->pub.shift.start_s - date;
            lead[s] = v->pub.shift.start_s - r->hs;
        } else if (st->type == SOLVER_STEP_END) {
            if (r->tw_vehicle_default) continue;
            has_tw[s] = true;
            if (v->pub.shift.end_s < date) sample += date - v->pub.shift.end_s;
            delay[s] = r->he - v->pub.shift.end_s;
        } else {
            sample += tw_violation(st, date);
            if (st->tw_default) continue;
            has_tw[s] = true;
            lead[s] = st->tws[0].start_s - r->hs;
            delay[s] = r->he - st->tws[st->n_tws - 1].end_s;
        }
    }
    r->sample_viol = sample;
    if (r->hs == INT64_MAX) {
        r->hs = 0;
        r->he = UINT32_MAX;
    } else {
        int64_t margin = 0;
        for (size_t s = 0; s < ns; s++) {
            if (r->rel_eta[s] > r->hs) {
                margin = 0;
                break;
            }
            margin = r->rel_eta[s];
            int64_t min_lead = 0;
            for (size_t t = 0; t <= s; t++) {
                min_lead += lead[t];
                if (has_tw[t]) min_lead += r->rel_eta[s] - r->rel_eta[t];
            }
            if (min_lead > sample) break;
        }
        r->hs -= margin;
        int64_t end_margin = 0;
        for (size_t s = 0; s < ns; s++) {
            size_t rev = ns - 1 - s;
            end_margin = r->rel_eta[ns - 1] - r->rel_eta[rev];
            int64_t min_delay = 0;
            for (size_t t = rev; t < ns; t++) {
                min_delay += delay[t];
                if (has_tw[t]) min_delay += r->rel_eta[t] - r->rel_eta[rev];
            }
            if (min_delay > sample) break;
        }
        r->he += end_margin;
        if (r->makespan_est == 0) r->makespan_est = r->he - r->hs;
    }
    lm_free(has_tw);
    return LM_OK;
}

/* The rank of the first window of s worth choosing for a start at lb or later (VROOM prunes the
 * others), and of the last for a start at ub or earlier. */
static unsigned first_tw(const plan__step *s, int64_t lb) {
    for (size_t k = s->n_tws; k-- > 0;) {
        if (s->tws[k].start_s > lb) continue;
        unsigned rank = (unsigned)k;
        if (s->tws[k].end_s < lb && k + 1 < s->n_tws &&
            s->tws[k + 1].start_s - lb < lb - s->tws[k].end_s)
            rank++; /* lead time to the next window always beats delay from this one */
        return rank;
    }
    return 0;
}

static unsigned last_tw(const plan__step *s, int64_t ub) {
    for (size_t k = 0; k < s->n_tws; k++) {
        if (ub > s->tws[k].end_s) continue;
        unsigned rank = (unsigned)k;
        if (ub < s->tws[k].start_s && k > 0 && ub - s->tws[k - 1].end_s < s->tws[k].start_s - ub)
            rank--; /* delay from the previous window always beats lead time to this one */
        return rank;
    }
    return (unsigned)(s->n_tws - 1);
}

/* Start-time bounds: the caller's service_* and what travel and action times propagate. */
static void bounds(plan__route *r) {
    int64_t prev_lb = r->hs, prev_act = 0, prev_travel = r->ev_dur[0];
    size_t rank = 0, ti = 0;
    for (size_t s = 0; s < r->ns; s++) {
        const plan__step *st = &r->st[s];
        int64_t lb = r->hs, ub = r->he;
        const solver_plan_step *in = st->in;
        if (in && in->has_at) {
            if (in->at_s < r->hs) r->hs = in->at_s;
            if (in->at_s > r->he) r->he = in->at_s;
            lb = ub = in->at_s;
        }
        if (in && in->has_after) {
            if (in->after_s < r->hs) r->hs = in->after_s;
            if (in->after_s > r->he) r->he = in->after_s;
            lb = in->after_s;
        }
        if (in && in->has_before) {
            if (in->before_s < r->hs) r->hs = in->before_s;
            if (in->before_s > r->he) r->he = in->before_s;
            ub = in->before_s;
        }
        if (st->type == SOLVER_STEP_START) {
            prev_lb = lb;
            rank++;
        } else if (is_task(st->type)) {
            if (prev_lb + prev_act + prev_travel > lb) lb = prev_lb + prev_act + prev_travel;
            prev_lb = lb;
            prev_act = r->act[rank];
            prev_travel = r->ev_dur[rank];
            rank++;
        } else if (st->type == SOLVER_STEP_BREAK) {
            if (prev_lb + prev_act > lb) lb = prev_lb + prev_act;
            prev_lb = lb;
            prev_act = st->service_s;
        } else if (prev_lb + prev_act + prev_travel > lb) {
            lb = prev_lb + prev_act + prev_travel;
        }
        r->lb[s] = lb;
        r->ub[s] = ub;
        if (st->type != SOLVER_STEP_START && st->type != SOLVER_STEP_END)
            r->first_tw[ti++] = first_tw(st, lb);
    }
    /* Backward: upper bounds from what must still fit after each step. */
    int64_t next_ub = r->ub[r->ns - 1], margin = 0;
    for (size_t i = r->ns; i-- > 0;) {
        const plan__step *st = &r->st[i];
        if (st->type == SOLVER_STEP_START) {
            if (next_ub - r->ev_dur[0] < r->ub[i]) r->ub[i] = next_ub - r->ev_dur[0];
        } else if (is_task(st->type)) {
            rank--;
            int64_t travel = margin < r->ev_dur[rank] ? r->ev_dur[rank] - margin : 0;
            if (next_ub - travel - r->act[rank] < r->ub[i])
                r->ub[i] = next_ub - travel - r->act[rank];
            next_ub = r->ub[i];
            margin = 0;
        } else if (st->type == SOLVER_STEP_BREAK) {
            int64_t cand = next_ub - st->service_s;
            if (r->ub[i] < cand)
                margin += cand - r->ub[i];
            else
                r->ub[i] = cand;
            next_ub = r->ub[i];
        }
        if (st->type != SOLVER_STEP_START && st->type != SOLVER_STEP_END)
            r->last_tw[i - 1] = last_tw(st, r->ub[i]);
    }
}

/* ---- Writing the chosen route ---- */

typedef struct out_ctx {
    const plan__route *r;
    solver_route *route;
    solver_violations *sv; /* per output step */
    solver_violations rv;  /* the route's */
    int64_t load[SOLVER_MAX_DIMS];
    uint32_t n_tasks;
} out_ctx;

static void mark(out_ctx *o, size_t k, solver_violation c) {
    viol_add(&o->sv[k], c);
    viol_add(&o->rv, c);
}

static bool over(const int64_t *load, const int64_t *cap, uint32_t dims) {
    for (uint32_t d = 0; d < dims; d++)
        if (load[d] > cap[d]) return true;
    return false;
}

/* The checks after the timing, in VROOM's order: load, then the task's own (skills, max_tasks,
 * pending as 1 << cause), travel time, distance, then precedence and a break's max_load. */
static void limits(out_ctx *o, size_t k, const solver_step *s, unsigned pending) {
    const solver__vehicle *v = o->r->v;
    if (over(o->load, v->pub.capacity, o->r->p->n_dims)) mark(o, k, SOLVER_VIOL_LOAD);
    if (pending >> SOLVER_VIOL_SKILLS & 1u) mark(o, k, SOLVER_VIOL_SKILLS);
    if (pending >> SOLVER_VIOL_MAX_TASKS & 1u) mark(o, k, SOLVER_VIOL_MAX_TASKS);
    if (v->pub.max_travel_time_s && s->duration_s > v->pub.max_travel_time_s)
        mark(o, k, SOLVER_VIOL_MAX_TRAVEL_TIME);
    if (v->pub.max_distance_m && s->distance_m > v->pub.max_distance_m)
        mark(o, k, SOLVER_VIOL_MAX_DISTANCE);
    if (pending >> SOLVER_VIOL_PRECEDENCE & 1u) mark(o, k, SOLVER_VIOL_PRECEDENCE);
    if (pending >> SOLVER_VIOL_MAX_LOAD & 1u) mark(o, k, SOLVER_VIOL_MAX_LOAD);
}

static void amounts(const solver_problem *p, const plan__step *st, const int64_t **del,
                    const int64_t **pick, const solver__skills **skills) {
    static const int64_t zero[SOLVER_MAX_DIMS];
    *del = *pick = zero;
    if (st->type == SOLVER_STEP_JOB) {
        *del = p->jobs[st->index].pub.delivery;
        *pick = p->jobs[st->index].pub.pickup;
        *skills = &p->jobs[st->index].skills;
    } else {
        const solver__shipment *sh = &p->shipments[st->index];
        if (st->type == SOLVER_STEP_PICKUP)
            *pick = sh->pub.amount;
        else
            *del = sh->pub.amount;
        *skills = &sh->skills;
    }
}

/* Times, travel, lead time and delay of step k (a task or a break) against its chosen window. */
static void timing(out_ctx *o, size_t k, solver_step *s, int64_t arrival, int64_t start,
                   int64_t *prev_end, int64_t *travel_sum) {
    const plan__step *st = &o->r->st[k];
    s->arrival_s = arrival;
    s->waiting_s = start - arrival;
    *travel_sum += arrival - *prev_end;
    s->duration_s = *travel_sum;
    *prev_end = arrival + s->waiting_s + s->setup_s + s->service_s;
    const solver_tw *w = &st->tws[o->r->tw_rank[k - 1]];
    if (start < w->start_s) {
        mark(o, k, SOLVER_VIOL_LEAD_TIME);
        o->sv[k].lead_time_s = w->start_s - start;
        o->rv.lead_time_s += o->sv[k].lead_time_s;
    }
    if (!st->tw_default && w->end_s < start) {
        mark(o, k, SOLVER_VIOL_DELAY);
        o->sv[k].delay_s = start - w->end_s;
        o->rv.delay_s += o->sv[k].delay_s;
    }
}

typedef struct prec_state {
    int8_t *seen; /* per shipment: 1 pickup seen (delivery expected), -1 delivery came first */
    size_t *pickup_step;
} prec_state;

/* The task at step k: load, setup, service, priority; returns its skills, max_tasks and
 * precedence violations as 1 << cause (marked later, in VROOM's order). */
static unsigned task_step(out_ctx *o, size_t k, solver_step *s, uint32_t *prev_loc,
                          prec_state *ps) {
    unsigned pending = 0;
    const plan__route *r = o->r;
    const plan__step *st = &r->st[k];
    const int64_t *del, *pick;
    const solver__skills *need = NULL;
    amounts(r->p, st, &del, &pick, &need);
    s->location = st->loc;
    s->setup_s = *prev_loc != st->loc ? st->setup_s : 0;
    s->service_s = st->service_s;
    *prev_loc = st->loc;
    for (uint32_t d = 0; d < r->p->n_dims; d++)
        o->load[d] += pick[d] - del[d];
    memcpy(s->load, o->load, sizeof s->load);
    o->route->setup_s += s->setup_s;
    o->route->service_s += s->service_s;
    o->route->priority += st->type == SOLVER_STEP_JOB ? r->p->jobs[st->index].pub.priority
                                                      : r->p->shipments[st->index].pub.priority;
    if (!solver__skills_cover(&r->v->skills, need)) pending |= 1u << SOLVER_VIOL_SKILLS;
    ++o->n_tasks;
    if ((r->v->pub.max_tasks && o->n_tasks > r->v->pub.max_tasks) || r->v->pub.no_tasks)
        pending |= 1u << SOLVER_VIOL_MAX_TASKS;
    if (st->type == SOLVER_STEP_PICKUP) {
        if (ps->seen[st->index] < 0) {
            pending |= 1u << SOLVER_VIOL_PRECEDENCE;
        } else {
            ps->seen[st->index] = 1;
            ps->pickup_step[st->index] = k;
        }
    } else if (st->type == SOLVER_STEP_DELIVERY) {
        if (ps->seen[st->index] == 1) {
            ps->seen[st->index] = 0;
        } else {
            pending |= 1u << SOLVER_VIOL_PRECEDENCE;
            ps->seen[st->index] = -1;
        }
    }
    return pending;
}

static int64_t div_round(int64_t num, int64_t den) {
    return (2 * num + den) / (2 * den);
}

/* The route's cost: fixed, plus the costs matrix along its legs or per_hour / per_km on its
 * travel time and distance. */
static int64_t route_cost(const plan__route *r, int64_t duration, int64_t distance) {
    const solver__vehicle *v = r->v;
    int64_t c = v->pub.cost_fixed;
    if (!r->p->costs)
        return c +
               div_round(v->pub.cost_per_hour * duration * 10 + v->pub.cost_per_km * distance * 36,
                         36000);
    uint32_t prev = v->pub.start;
    for (size_t s = 1; s < r->ns; s++) {
        uint32_t loc = r->st[s].type == SOLVER_STEP_END ? v->pub.end : r->st[s].loc;
        if (loc == SOLVER_NONE) continue;
        if (prev != SOLVER_NONE) c += r->p->costs[(size_t)prev * r->p->n + loc];
        prev = loc;
    }
    return c;
}

/* Writes the planned route into out (steps start .. end) and its violations. */
static lm_status write_route(const plan__route *r, solver_route *out, solver_violations *sv,
                             solver_violations *rv) {
    const solver_problem *p = r->p;
    const solver__vehicle *v = r->v;
    out_ctx o = {.r = r, .route = out, .sv = sv};
    prec_state ps = {lm_calloc(p->n_shipments + 1, 1),
                     lm_calloc(p->n_shipments + 1, sizeof(size_t))};
    out->steps = lm_calloc(r->ns, sizeof *out->steps);
    if (!ps.seen || !ps.pickup_step || !out->steps) {
        lm_free(ps.seen);
        lm_free(ps.pickup_step);
        return LM_NOMEM;
    }
    out->n_steps = r->ns;
    out->vehicle = (uint32_t)(v - p->vehicles);
    memcpy(o.load, v->pub.initial_load, sizeof o.load);
    uint32_t first_loc = v->pub.start, last_loc = v->pub.start;
    for (size_t s = 0; s < r->ns; s++) {
        if (r->st[s].type == SOLVER_STEP_JOB)
            for (uint32_t d = 0; d < p->n_dims; d++)
                o.load[d] += p->jobs[r->st[s].index].pub.delivery[d];
        if (r->st[s].loc != SOLVER_NONE) {
            if (first_loc == SOLVER_NONE) first_loc = r->st[s].loc;
            last_loc = r->st[s].loc;
        }
    }
    if (v->pub.end != SOLVER_NONE) {
        if (first_loc == SOLVER_NONE) first_loc = v->pub.end;
        last_loc = v->pub.end;
    }
    solver_step *s0 = &out->steps[0];
    *s0 = (solver_step){.type = SOLVER_STEP_START, .index = SOLVER_NONE, .location = first_loc};
    s0->arrival_s = r->t[0];
    memcpy(s0->load, o.load, sizeof s0->load);
    if (s0->arrival_s < v->pub.shift.start_s) {
        mark(&o, 0, SOLVER_VIOL_LEAD_TIME);
        sv[0].lead_time_s = v->pub.shift.start_s - s0->arrival_s;
        o.rv.lead_time_s += sv[0].lead_time_s;
    }
    if (over(o.load, v->pub.capacity, p->n_dims)) mark(&o, 0, SOLVER_VIOL_LOAD);
    int64_t prev_start = r->t[0], prev_action = 0, prev_travel = r->delta[0];
    int64_t prev_end = s0->arrival_s, travel = 0, dist = 0, break_dist = 0;
    uint32_t prev_loc = v->pub.start;
    size_t j = 0; /* rank in J of the last non-break step */
    uint64_t breaks_taken = 0;
    for (size_t k = 1; k < r->ns; k++) {
        const plan__step *st = &r->st[k];
        solver_step *s = &out->steps[k];
        *s = (solver_step){.type = st->type, .index = st->index, .location = SOLVER_NONE};
        int64_t arrival = prev_start + prev_action + prev_travel;
        if (st->type == SOLVER_STEP_END) {
            s->index = SOLVER_NONE;
            s->location = last_loc;
            s->arrival_s = arrival;
            travel += arrival - prev_end;
            s->duration_s = travel;
            s->distance_m = r->ev_sum_dist;
            memcpy(s->load, o.load, sizeof s->load);
            if (v->pub.shift.end_s < arrival) {
                mark(&o, k, SOLVER_VIOL_DELAY);
                sv[k].delay_s = arrival - v->pub.shift.end_s;
                o.rv.delay_s += sv[k].delay_s;
            }
            limits(&o, k, s, 0);
            break;
        }
        int64_t before_end = prev_end;
        unsigned pending = 0;
        if (st->type == SOLVER_STEP_BREAK) {
            s->service_s = st->service_s;
            out->service_s += st->service_s;
            memcpy(s->load, o.load, sizeof s->load);
            breaks_taken |= UINT64_C(1) << st->index;
            const solver__break *b = &v->breaks[st->index];
            if (b->pub.has_max_load && over(o.load, b->pub.max_load, p->n_dims))
                pending |= 1u << SOLVER_VIOL_MAX_LOAD;
        } else {
            pending = task_step(&o, k, s, &prev_loc, &ps);
        }
        timing(&o, k, s, arrival, r->t[k], &prev_end, &travel);
        if (st->type == SOLVER_STEP_BREAK) {
            if (r->ev_dur[j])
                break_dist += div_round((arrival - before_end) * r->ev_dist[j], r->ev_dur[j]);
            s->distance_m = break_dist;
        } else {
            dist += r->ev_dist[j++];
            s->distance_m = break_dist = dist;
        }
        out->waiting_s += s->waiting_s;
        limits(&o, k, s, pending);
        prev_start = r->t[k];
        prev_action = s->setup_s + s->service_s;
        prev_travel = r->delta[k];
    }
    for (size_t i = 0; i < p->n_shipments; i++)
        if (ps.seen[i] == 1) mark(&o, ps.pickup_step[i], SOLVER_VIOL_PRECEDENCE);
    for (size_t b = 0; b < v->pub.n_breaks; b++)
        if (!(breaks_taken >> b & 1u)) viol_add(&o.rv, SOLVER_VIOL_MISSING_BREAK);
    out->duration_s = travel;
    out->distance_m = r->ev_sum_dist;
    out->cost = route_cost(r, travel, r->ev_sum_dist);
    *rv = o.rv;
    lm_free(ps.seen);
    lm_free(ps.pickup_step);
    return LM_OK;
}

/* ---- The whole plan ---- */

void solver_plan_report_destroy(solver_plan_report *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n_routes; i++)
        lm_free(r->step[i]);
    lm_free(r->step);
    lm_free(r->route);
    lm_free(r);
}

static lm_status plan_one(const solver_problem *p, const solver_plan_route *in, size_t i,
                          solver_route *out, solver_violations **sv, solver_violations *rv,
                          lm_errinfo *err) {
    plan__route r = {.p = p, .v = &p->vehicles[in->vehicle]};
    lm_status st = normalise(&r, in, i, err);
    if (st == LM_OK && !first_pass(&r))
        st =
            lm_errinfo_set(err, LM_INVALID, "routes", "route %zu: its times add up past 2^52 s", i);
    if (st == LM_OK) st = sample_and_horizon(&r, err);
    if (st == LM_OK) {
        bounds(&r);
        st = solver__plan_mip(&r, err);
    }
    if (st == LM_OK && !(*sv = lm_calloc(r.ns, sizeof **sv))) st = LM_NOMEM;
    if (st == LM_OK) st = write_route(&r, out, *sv, rv);
    if (st == LM_NOMEM) lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (st != LM_OK && st != LM_NOMEM && err) /* name the route (the caller maps it back) */
        snprintf(err->field, sizeof err->field, "routes[%zu]", i);
    route_free(&r);
    return st;
}

lm_status solver_plan(const solver_problem *p, const solver_plan_route *routes, size_t n_routes,
                      solver_solution **out, solver_plan_report **report, lm_errinfo *err) {
    if (!p || !out || !report || (n_routes && !routes))
        return lm_errinfo_set(err, LM_INVALID, "routes", "problem, routes and outputs are needed");
    bool *used = lm_calloc(p->n_vehicles + 1, sizeof *used);
    solver_solution *sol = lm_calloc(1, sizeof *sol);
    solver_plan_report *rep = lm_calloc(1, sizeof *rep);
    lm_status st = LM_NOMEM;
    if (!used || !sol || !rep) goto fail;
    sol->routes = lm_calloc(n_routes + 1, sizeof *sol->routes);
    rep->route = lm_calloc(n_routes + 1, sizeof *rep->route);
    rep->step = lm_calloc(n_routes + 1, sizeof *rep->step);
    if (!sol->routes || !rep->route || !rep->step) goto fail;
    int64_t t0 = lm_mono_ns();
    for (size_t i = 0; i < n_routes; i++) {
        if (routes[i].vehicle >= p->n_vehicles || used[routes[i].vehicle] ||
            (routes[i].n_steps && !routes[i].steps)) {
            st = lm_errinfo_set(err, LM_INVALID, "routes",
                                "route %zu: unknown or repeated vehicle, or no steps", i);
            goto fail;
        }
        used[routes[i].vehicle] = true;
        st = plan_one(p, &routes[i], i, &sol->routes[i], &rep->step[i], &rep->route[i], err);
        sol->n_routes = rep->n_routes = i + 1;
        if (st != LM_OK) goto fail;
        const solver_route *r = &sol->routes[i];
        sol->cost += r->cost;
        sol->duration_s += r->duration_s;
        sol->distance_m += r->distance_m;
        sol->setup_s += r->setup_s;
        sol->service_s += r->service_s;
        sol->waiting_s += r->waiting_s;
        sol->priority += r->priority;
        viol_merge(&rep->summary, &rep->route[i]);
    }
    sol->computing_ms = (lm_mono_ns() - t0) / 1000000;
    lm_free(used);
    *out = sol;
    *report = rep;
    return LM_OK;
fail:
    if (st == LM_NOMEM) lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_free(used);
    solver_solution_destroy(sol);
    solver_plan_report_destroy(rep);
    return st;
}

/* libFuzzer target for the Solomon and TSPLIB/CVRPLIB readers (api/formats/instance.c): the first
 * byte picks the format (auto, Solomon, CVRPLIB); a parsed instance is viewed as a VROOM input and
 * its benchmark cost conventions are exercised on an empty solution. */
#include "api/formats/vroom.h"
#include "fuzz_common.h"
#include "solver/solver.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const fmt_instance_format formats[3] = {FMT_INSTANCE_AUTO, FMT_INSTANCE_SOLOMON,
                                                   FMT_INSTANCE_CVRPLIB};
    fmt_instance_format fmt = formats[data[0] % 3];
    fmt_instance *inst = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_instance_parse((const char *)data + 1, size - 1, fmt, &inst, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) return 0;
    fmt_vroom_input *in = NULL;
    if (fmt_vroom_input_from_instance(inst, &in, &err) == LM_OK) {
        solver_solution empty = {0};
        char *out = NULL;
        size_t len;
        if (fmt_vroom_write(in, &empty, false, &out, &len, &err) == LM_OK) lm_free(out);
        fmt_vroom_input_destroy(in);
    }
    if (inst->n_nodes > 0) {
        uint32_t locs[2] = {0, (uint32_t)(inst->n_nodes - 1)};
        (void)fmt_instance_route_cost(inst, locs, 2);
    }
    (void)fmt_instance_cost(inst, &(solver_solution){0});
    fmt_instance_destroy(inst);
    return 0;
}

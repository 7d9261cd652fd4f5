/* api/routes_solve.h: POST /v1/solve, the VROOM-compatible solve endpoint. */
#ifndef LASTMILE_API_ROUTES_SOLVE_H
#define LASTMILE_API_ROUTES_SOLVE_H

#include "api/app.h"

lm_status api__solve(http_req *r);

#define API_SOLVE_MAX_CONCURRENT 2  /* solves running at once; more get 503 */
#define API_SOLVE_MAX_TIME_S     60 /* ?time_limit= cap */
#define API_SOLVE_DEFAULT_TIME_S 5

#endif

# The fuzz targets, shared by fuzz/CMakeLists.txt (libFuzzer binaries, clang) and
# tests/fuzz/CMakeLists.txt (corpus replay under ctest, any compiler). Target <name> is
# fuzz/fuzz_<name>.c with its committed corpus in fuzz/corpus/<name>/ and an optional dictionary
# fuzz/<name>.dict; every target links the codecs (lm_formats, which brings geo/ and common/)
# unless LM_FUZZ_LIBS_<name> names another library.
set(LM_FUZZ_TARGETS vroom instance osmand csv geojson time base64 form json conf orders_json money
    calendar feedback_json returns_json notify_json)
# Targets of a module rather than a codec name the library they need here (default: lm_formats).
set(LM_FUZZ_LIBS_calendar lm_feedback)
# Real roads: --router specs and the engines' route replies (geo/).
list(APPEND LM_FUZZ_TARGETS roads)
# The API's request bodies beyond orders (fleet, plans, configuration, driver app).
list(APPEND LM_FUZZ_TARGETS api_bodies)
# The settings document of /v1/settings (issue 13).
list(APPEND LM_FUZZ_TARGETS settings_json)
# The OsmAnd port's HTTP/1.1 request parser (common/http_request.c).
list(APPEND LM_FUZZ_TARGETS http_request)
set(LM_FUZZ_LIBS_http_request lm_common)

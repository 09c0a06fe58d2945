#define KEFU_BUILD_PROMPTS_GEN "/work/wt/mapfix/build-asan/prompts/generated"

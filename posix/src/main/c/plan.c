/* Placeholder until the plan decoder lands. */
typedef int corral_plan_placeholder;

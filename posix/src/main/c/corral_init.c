/* Placeholder until the launch helper lands. */
int main(void) { return 1; }

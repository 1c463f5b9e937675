/* placeholder: the entry point is being written (see src/actors) */
int main(void) { return 0; }

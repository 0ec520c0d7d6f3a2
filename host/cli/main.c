/* asrun command-line entry point. */
#include <stdio.h>

int main(void) {
  puts("asrun: under construction");
  return 0;
}

/* ptcheck kernel include tree: virt_to_phys and friends (in asm/page.h). */
#include <asm/page.h>

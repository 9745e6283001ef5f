/* ptcheck kernel include tree: bit searches (in bitmap.h). */
#include <linux/bitmap.h>

// The whole C surface of libpq that Gridcast sees. Warehouse wraps it in Swift types.
#include <libpq-fe.h>

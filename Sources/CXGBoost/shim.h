// The whole C surface of XGBoost that Gridcast sees. Boosting wraps it in Swift types.
#include <xgboost/c_api.h>

print("gridcast")

print("dropstreamd: not built yet")

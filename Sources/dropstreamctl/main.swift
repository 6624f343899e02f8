print("dropstreamctl: not built yet")

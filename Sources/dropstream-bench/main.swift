print("dropstream-bench: no scenarios yet")

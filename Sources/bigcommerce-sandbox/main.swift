print("bigcommerce-sandbox: not built yet")

print("cxledger")

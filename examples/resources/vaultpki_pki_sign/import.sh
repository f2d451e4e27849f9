# Signed certificates cannot be imported: the CSR they were signed from is not kept by the server.
# Sign again with Terraform instead.

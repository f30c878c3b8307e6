"""OnGPT Accounts: the shared domain, data-access and HTTP code of every function."""

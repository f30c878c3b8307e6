"""The CDK app of OnGPT Accounts: one stack of constructs, each for one concern."""

"""DynamoDB underneath every store: item conversion, conditions, transactions, tables, markers."""

"""The customer's export (GDPR arts. 15 and 20): every area's records of one customer, read
through the services passed in."""

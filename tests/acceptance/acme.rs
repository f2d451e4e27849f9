//! ACME end to end (issue 9): the `acme-issuer` module and a real ACME client.

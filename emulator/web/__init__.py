"""HTTP layer: thin handlers over the services, one route table, the Telex envelope."""

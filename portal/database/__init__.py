"""The portal's PostgreSQL backend (ENGINE `portal.database`): Django's, with a cheaper health check."""

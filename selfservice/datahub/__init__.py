"""Publishing the catalog to DataHub (acryl-datahub, imported only inside the publishing code: it is heavy)."""

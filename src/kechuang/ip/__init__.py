"""The IP registry: patents with their legal-status history, PCT filings, pledges, awards, IP
centres and programmes, linked to registry enterprises."""

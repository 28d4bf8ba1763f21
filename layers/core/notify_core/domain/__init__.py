"""The pure domain: the event contract, the catalog's rules, routing, templates, addresses, signing, the SSRF
guard, MIME, delivery states, settings documents. No AWS SDK, no PynamoDB, no Lambda toolkit (an import-linter
contract in ``make test`` keeps it so): everything here is a fast unit test."""

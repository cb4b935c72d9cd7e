"""The addon upload API of the companion app (addon-and-companion spec, UPL-1 … UPL-15).

- `tokens`: per-uploader tokens, stored hashed (UPL-2, UPL-3)
- `limits`: rate limits in the shared cache (UPL-4)
- `body`: size cap, content type, gzip and JSON (UPL-5)
- `validation`: strict validation of the payload (UPL-6)
- `notes`: realm normalisation, matching and the note rules (UPL-9 … UPL-11)
- `apply`: idempotency, staleness, the transaction and the queued pipeline (UPL-7 … UPL-13)
- `pipeline`: the background SyncRun + reconcile, re-run and payload cleanup (UPL-7, UPL-12)
- `views`: the endpoint (UPL-1, UPL-13, UPL-14)
"""

#!/usr/bin/env python3
"""Writes confab-dashboard.json, the Grafana dashboard for Confab (docs/operations.md).

Edit the panels here and run it again: the JSON is generated so that every panel has the same
shape, ids and grid positions stay consistent, and tst_monitoring can check each query's metrics
against a running server's /metrics.
"""
import json
import os

DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
SEL = 'job="confab", instance=~"$instance"'

# (title, unit, description, [(expr, legend)])
PANELS = [
    ("Connections", "short", "Open WebSocket connections and SSE streams, TCP connections, users online.", [
        (f'sum(confab_ws_connections{{{SEL}}})', "WebSocket"),
        (f'sum(confab_sse_streams{{{SEL}}})', "SSE (fallback)"),
        (f'sum(confab_tcp_connections{{{SEL}}})', "TCP"),
        (f'sum(confab_users_online{{{SEL}}})', "users online"),
    ]),
    ("Messages and deliveries", "ops", "Messages accepted per second (new, or a resend answered from the log) and events written to sockets.", [
        (f'sum by (outcome) (rate(confab_messages_total{{{SEL}}}[$__rate_interval]))', "messages {{outcome}}"),
        (f'sum(rate(confab_deliveries_total{{{SEL}}}[$__rate_interval]))', "deliveries"),
    ]),
    ("Delivery latency", "s", "From accepting a message to writing it to a recipient's socket.", [
        (f'histogram_quantile(0.5, sum by (le) (rate(confab_delivery_latency_seconds_bucket{{{SEL}}}[$__rate_interval])))', "p50"),
        (f'histogram_quantile(0.99, sum by (le) (rate(confab_delivery_latency_seconds_bucket{{{SEL}}}[$__rate_interval])))', "p99"),
    ]),
    ("Storage commits", "ops", "Committed write batches per second, and failures (a failure is a refused, never acknowledged, write).", [
        (f'sum(rate(confab_storage_commits_total{{{SEL}}}[$__rate_interval]))', "commits"),
        (f'sum(rate(confab_storage_commit_failures_total{{{SEL}}}[$__rate_interval]))', "failures"),
    ]),
    ("Commit batch size", "short", "Write jobs per committed transaction (group commit): the mean and p99.", [
        (f'sum(rate(confab_storage_commit_batch_size_sum{{{SEL}}}[$__rate_interval])) / sum(rate(confab_storage_commit_batch_size_count{{{SEL}}}[$__rate_interval]))', "mean"),
        (f'histogram_quantile(0.99, sum by (le) (rate(confab_storage_commit_batch_size_bucket{{{SEL}}}[$__rate_interval])))', "p99"),
    ]),
    ("Cache hit ratio", "percentunit", "Share of recent-event and room lookups answered from memory.", [
        (f'sum(rate(confab_cache_hits_total{{{SEL}}}[$__rate_interval])) / (sum(rate(confab_cache_hits_total{{{SEL}}}[$__rate_interval])) + sum(rate(confab_cache_misses_total{{{SEL}}}[$__rate_interval])))', "hit ratio"),
    ]),
    ("HTTP errors by route", "reqps", "4xx and 5xx answers per second, by route and status.", [
        (f'sum by (route, status) (rate(confab_http_requests_total{{{SEL}, status=~"4..|5.."}}[$__rate_interval]))', "{{route}} {{status}}"),
    ]),
    ("HTTP latency p99 by route", "s", "Time from a complete request to its answer.", [
        (f'histogram_quantile(0.99, sum by (le, route) (rate(confab_http_request_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))', "{{route}}"),
    ]),
    ("Guard rejections", "ops", "Connections and requests the connection guard refused, by reason (limits, timeouts, malformed requests).", [
        (f'sum by (reason) (rate(confab_guard_rejections_total{{{SEL}}}[$__rate_interval]))', "{{reason}}"),
    ]),
    ("Logins", "ops", "Login attempts by outcome: ok, failed, rate_limited, disabled.", [
        (f'sum by (outcome) (rate(confab_logins_total{{{SEL}}}[$__rate_interval]))', "{{outcome}}"),
    ]),
    ("TLS handshakes", "ops", "Full handshakes and sessions resumed from a ticket.", [
        (f'sum by (kind) (rate(confab_tls_handshakes_total{{{SEL}}}[$__rate_interval]))', "{{kind}}"),
    ]),
    ("Connections closed by the server", "ops", "By reason: heartbeat timeout, slow consumer, revoked session, going away...", [
        (f'sum by (reason) (rate(confab_ws_closed_total{{{SEL}}}[$__rate_interval]))', "{{reason}}"),
    ]),
    ("File transfers", "Bps", "Upload and download bytes per second, and the limit on uploads while chat commits (0: none; docs/operations.md, Files).", [
        (f'sum by (direction) (rate(confab_file_bytes_total{{{SEL}}}[$__rate_interval]))', "{{direction}}"),
        (f'max(confab_file_upload_limit_bytes_per_second{{{SEL}}})', "upload limit"),
    ]),
    ("Files stored and collected", "ops", "Files stored (and uploads refused for a hash mismatch), and blobs removed by collection.", [
        (f'sum by (outcome) (rate(confab_files_total{{{SEL}}}[$__rate_interval]))', "files {{outcome}}"),
        (f'sum(rate(confab_blobs_collected_total{{{SEL}}}[$__rate_interval]))', "blobs collected"),
    ]),
]


def panel(i, title, unit, description, targets):
    return {
        "id": i + 1,
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
        "fieldConfig": {"defaults": {"unit": unit, "min": 0}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"},
                    "tooltip": {"mode": "multi"}},
        "targets": [{"datasource": DS, "expr": e, "legendFormat": l, "refId": chr(65 + k)}
                    for k, (e, l) in enumerate(targets)],
    }


dashboard = {
    "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource",
                  "pluginId": "prometheus", "pluginName": "Prometheus"}],
    "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "9.0.0"},
                   {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}],
    "uid": "confab-server",
    "title": "Confab",
    "description": "Confab chat server: connections, deliveries and their latency, storage, cache, HTTP, guard, logins, files.",
    "tags": ["confab", "chat"],
    "timezone": "browser",
    "schemaVersion": 37,
    "version": 1,
    "refresh": "30s",
    "time": {"from": "now-6h", "to": "now"},
    "templating": {"list": [{
        "name": "instance", "label": "Server", "type": "query", "datasource": DS,
        "query": {"query": 'label_values(up{job="confab"}, instance)', "refId": "instance"},
        "definition": 'label_values(up{job="confab"}, instance)',
        "includeAll": True, "multi": True, "refresh": 2,
        "current": {"selected": True, "text": "All", "value": "$__all"},
    }]},
    "panels": [panel(i, *p) for i, p in enumerate(PANELS)],
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "confab-dashboard.json")
with open(out, "w") as f:
    json.dump(dashboard, f, indent=2)
    f.write("\n")
print(out)

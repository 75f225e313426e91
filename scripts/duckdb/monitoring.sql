-- The monitoring controls over the nodes of a trailgraph snapshot, per control and account
-- (see controls.sql). `nodes` holds one row per node: kind, id and the `reported` object.

CREATE TEMP TABLE accounts AS
    SELECT r->>'id' AS account_id FROM nodes WHERE kind = 'aws_account';

CREATE TEMP TABLE trails AS
    SELECT split_part(r->>'arn', ':', 5) AS account_id,
           r->>'name' AS trail_name,
           split_part(r->>'trail_cloud_watch_logs_log_group_arn', ':', 7) AS log_group_name
    FROM nodes
    WHERE kind = 'aws_cloud_trail'
      AND (r->>'trail_is_multi_region_trail')::BOOLEAN
      AND (r->'trail_status'->>'is_logging')::BOOLEAN
      AND r->>'trail_cloud_watch_logs_log_group_arn' IS NOT NULL
      AND list_contains(
            json_extract_string(r, '$.trail_event_selectors.event_selectors[*].read_write_type'),
            'All');

CREATE TEMP TABLE filters AS
    SELECT split_part(id, ':', 5) AS account_id,
           r->>'name' AS filter_name,
           r->>'log_group_name' AS log_group_name,
           r->'filter_transformations'->0->>'metric_name' AS metric_name,
           r->>'filter_pattern' AS filter_pattern
    FROM nodes WHERE kind = 'aws_cloudwatch_metric_filter';

CREATE TEMP TABLE alarms AS
    SELECT split_part(r->>'arn', ':', 5) AS account_id,
           r->>'cloudwatch_metric_name' AS metric_name,
           unnest(json_extract_string(r, '$.cloudwatch_alarm_actions[*]')) AS topic_arn
    FROM nodes WHERE kind = 'aws_cloudwatch_alarm';

CREATE TEMP TABLE subscriptions AS
    SELECT r->>'subscription_topic_arn' AS topic_arn
    FROM nodes WHERE kind = 'aws_sns_subscription';

-- `matching` (control, account_id, log_group_name, metric_name, filter_name) is made by run.py:
-- one query per control with its regex as a constant, as Steampipe runs them.

CREATE TEMP TABLE results AS
    WITH chains AS (
        SELECT DISTINCT m.control, t.account_id
        FROM trails t
        JOIN matching m ON m.account_id = t.account_id AND m.log_group_name = t.log_group_name
        JOIN alarms a ON a.account_id = m.account_id AND a.metric_name = m.metric_name
        JOIN subscriptions s ON s.topic_arn = a.topic_arn
    )
    SELECT c.control, a.account_id,
           CASE WHEN ch.account_id IS NULL THEN 'alarm' ELSE 'ok' END AS status
    FROM controls c CROSS JOIN accounts a
    LEFT JOIN chains ch ON ch.control = c.control AND ch.account_id = a.account_id;

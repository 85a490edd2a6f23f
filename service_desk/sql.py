"""The service desk's set-based work (STYLE.md 3), with the rule numbers of docs/rules-added.md.

S12's clock. Service time is the service windows (ServiceWindow) of the trading calendar's trading days.
`service_desk_serviceinterval` holds one row per open stretch with the service seconds of all earlier stretches
(`clock_before`). Two functions read it:
- `service_clock(t)` gives the service seconds up to `t`.
- `service_clock_time(c)` gives the moment the clock reads `c`.
A deadline "N service minutes after t" is therefore `service_clock_time(service_clock(t) + 60 N)`. A deadline that
falls exactly at the end of a stretch is that end (15:30), not the next stretch's start. Beyond the last trading day
in the calendar there is no time: such a deadline is NULL until the calendar reaches it.
"""

# S12: the intervals from the calendar and the windows. A night window (the night session's hotline, e.g. 21:00–02:30)
# opens in the evening of a trading day only if its next weekday is a trading day: no night session before a holiday.
INTERVALS_REBUILD = """
LOCK TABLE service_desk_serviceinterval IN EXCLUSIVE MODE;
DELETE FROM service_desk_serviceinterval;
INSERT INTO service_desk_serviceinterval (starts_at, ends_at, clock_before)
SELECT starts_at, ends_at,
       coalesce(sum(extract(epoch FROM ends_at - starts_at))
                OVER (ORDER BY starts_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
FROM (
    SELECT (day.date + service_window.starts) AT TIME ZONE 'Asia/Shanghai' AS starts_at,
           ((day.date + CASE WHEN service_window.ends <= service_window.starts THEN 1 ELSE 0 END)
            + service_window.ends) AT TIME ZONE 'Asia/Shanghai' AS ends_at
    FROM settlement_tradingday AS day
    CROSS JOIN service_desk_servicewindow AS service_window
    WHERE day.is_trading_day AND service_window.active
      AND (NOT service_window.night_session OR EXISTS (
          SELECT 1 FROM settlement_tradingday AS next_weekday
          WHERE next_weekday.is_trading_day
            AND next_weekday.date = day.date + CASE extract(isodow FROM day.date) WHEN 5 THEN 3 WHEN 6 THEN 2
                                                                                   ELSE 1 END))
) AS stretches
"""

CLOCK_FUNCTIONS = """
CREATE OR REPLACE FUNCTION service_clock(at timestamptz) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT clock_before + extract(epoch FROM least(at, ends_at) - starts_at)
                     FROM service_desk_serviceinterval WHERE starts_at <= at
                     ORDER BY starts_at DESC LIMIT 1), 0)
$$;
CREATE OR REPLACE FUNCTION service_clock_time(clock numeric) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN clock <= clock_before + extract(epoch FROM ends_at - starts_at)
                THEN starts_at + make_interval(secs => (clock - clock_before)::double precision) END
    FROM (SELECT * FROM service_desk_serviceinterval WHERE clock_before < clock
          ORDER BY clock_before DESC LIMIT 1) AS stretch
$$;
"""
FUNCTIONS = CLOCK_FUNCTIONS  # installed by migration 0002; tests/core/test_database_objects.py compares

# S12 deadlines of the given tickets (or, with ids NULL, of every unfinished one: after the calendar or the windows
# changed), from their opening, their target and the service time they spent paused. A warning already given is
# given again when the new warning time is still ahead (a raised priority, a reopened ticket).
DEADLINES = """
WITH figures AS (
    SELECT ticket.id,
           service_clock_time(opened.clock + target.first_response_minutes * 60) AS first_response_due,
           service_clock_time(opened.clock + greatest(target.first_response_minutes - target.warn_minutes, 0) * 60)
               AS first_response_warn_at,
           service_clock_time(opened.clock + target.resolution_minutes * 60 + ticket.paused_seconds)
               AS resolution_due,
           service_clock_time(opened.clock + greatest(target.resolution_minutes - target.warn_minutes, 0) * 60
                              + ticket.paused_seconds) AS resolution_warn_at
    FROM service_desk_ticket AS ticket
    CROSS JOIN LATERAL (SELECT service_clock(ticket.opened_at) AS clock) AS opened
    LEFT JOIN service_desk_slatarget AS target
           ON target.category_id = ticket.category_id AND target.priority = ticket.priority
    WHERE (%(ids)s::bigint[] IS NULL AND ticket.state IN ('new', 'in_progress', 'waiting'))
       OR ticket.id = ANY(%(ids)s::bigint[])
)
UPDATE service_desk_ticket AS ticket SET
    first_response_due = figures.first_response_due, first_response_warn_at = figures.first_response_warn_at,
    resolution_due = figures.resolution_due, resolution_warn_at = figures.resolution_warn_at,
    first_response_warned_at = CASE WHEN figures.first_response_warn_at > %(now)s THEN NULL
                                    ELSE ticket.first_response_warned_at END,
    resolution_warned_at = CASE WHEN figures.resolution_warn_at > %(now)s THEN NULL
                                ELSE ticket.resolution_warned_at END
FROM figures WHERE figures.id = ticket.id
"""

# S12: leaving 待客户 (or a resolved ticket reopened): the service time since `since` is added to the pause.
PAUSE_END = """
UPDATE service_desk_ticket SET paused_seconds = paused_seconds + greatest(
    service_clock(%(now)s) - service_clock(%(since)s), 0)
WHERE id = %(id)s
"""

_NOTIFY = """, notice AS (
    INSERT INTO service_log_notification (recipient_id, text, link, created_at)
    SELECT DISTINCT staff.user_id, concat('工单 GD', lpad(hit.id::text, 7, '0'), %(words)s),
           concat('/admin/service_desk/ticket/', hit.id, '/change/'), %(now)s
    FROM hit JOIN clients_staffprofile AS staff ON {recipients}
)
SELECT count(*) FROM hit
"""

# S12 warnings before a deadline, to the owner; claimed by the conditional UPDATE (two sweeps warn once).
WARN = """
WITH hit AS (
    UPDATE service_desk_ticket SET {warned} = %(now)s
    WHERE {condition} AND {warned} IS NULL AND {warn_at} <= %(now)s AND {due} >= %(now)s
    RETURNING id, owner_id
), event AS (
    INSERT INTO service_desk_ticketevent (ticket_id, kind, at, text, from_state, to_state)
    SELECT id, 'warned', %(now)s, %(event)s, '', '' FROM hit
)""" + _NOTIFY.format(recipients="staff.id = hit.owner_id")

# S12 breaches: past the deadline (a response exactly at it is in time), escalated to the exceptions team
# (异常问题处理组) and told to the owner, the team's members and the branch's managers; claimed like the warnings.
BREACH = """
WITH exceptions_team AS (SELECT id FROM service_desk_team WHERE handles_exceptions), hit AS (
    UPDATE service_desk_ticket SET {breached} = %(now)s,
        team_id = coalesce((SELECT id FROM exceptions_team), team_id)
    WHERE {condition} AND {breached} IS NULL AND {due} < %(now)s
    RETURNING id, owner_id, branch_id
), event AS (
    INSERT INTO service_desk_ticketevent (ticket_id, kind, at, text, from_state, to_state)
    SELECT id, 'breached', %(now)s, %(event)s, '', '' FROM hit
)""" + _NOTIFY.format(recipients="""staff.id = hit.owner_id
    OR (staff.role = 'branch_manager' AND staff.branch_id = hit.branch_id)
    OR staff.id IN (SELECT member.staffprofile_id FROM service_desk_team_members AS member
                    WHERE member.team_id IN (SELECT id FROM exceptions_team))""")

FIRST_RESPONSE = {"warned": "first_response_warned_at", "warn_at": "first_response_warn_at",
                  "breached": "first_response_breached_at", "due": "first_response_due",
                  "condition": "first_response_at IS NULL AND state IN ('new', 'in_progress')"}
RESOLUTION = {"warned": "resolution_warned_at", "warn_at": "resolution_warn_at",
              "breached": "resolution_breached_at", "due": "resolution_due",
              "condition": "state IN ('new', 'in_progress')"}

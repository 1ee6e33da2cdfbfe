-- The run being built has each of its evidence links once: no two of its rows in fct_indicator_evidence share an
-- id (`<run>/<link>`; never empty: both parts are not-null constraints of their marts' contracts). Read: the
-- links the run opened or closed (macros/tests/test_scopes.sql: `run_links_written_this_run`). As the run's links
-- are the intervals left open, it is also what makes a link open at most once in fct_evidence_link.
with

run_links as (
    select indicator_evidence_id
    from {{ run_links_written_this_run(ref('fct_indicator_evidence'), ref('fct_evidence_link')) }}
)

select
    indicator_evidence_id,
    count(*) as links
from run_links
group by indicator_evidence_id
having count(*) > 1

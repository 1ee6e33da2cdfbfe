-- Every indicator's measured value per organisation, one row each, with the number of records behind it.
-- A null value means the data to measure it is missing; it is never replaced by zero.
{{ unpivot_measures('int_gate_measures', [
    'gate_own_cvr_active', 'gate_non_profit_legal_form', 'gate_board_triple_helix',
    'gate_committed_members', 'gate_member_types', 'gate_management_fte',
]) }}
union all
{{ unpivot_measures('int_structure_measures', [
    'structure_members_verified_pct', 'structure_sme_share_pct', 'structure_knowledge_institutions',
    'structure_regions_covered', 'structure_member_growth_pct', 'structure_international_members_pct',
]) }}
union all
{{ unpivot_measures('int_governance_measures', [
    'governance_board_size', 'governance_board_knowledge_share_pct', 'governance_board_renewal_pct',
    'governance_chair_tenure_years', 'governance_audit_not_waived', 'governance_reports_on_time_pct',
]) }}
union all
{{ unpivot_measures('int_financing_measures', [
    'financing_private_share_pct', 'financing_source_count', 'financing_concentration_hhi',
    'financing_equity_positive', 'financing_profitable_years',
]) }}
union all
{{ unpivot_measures('int_strategy_measures', [
    'strategy_document_age_years', 'strategy_qualifying_projects', 'strategy_member_satisfaction_pct',
]) }}
union all
{{ unpivot_measures('int_achievement_measures', [
    'achievements_firms_engaged', 'achievements_sme_engaged_pct', 'achievements_label_level',
    'achievements_label_days_to_expiry',
]) }}

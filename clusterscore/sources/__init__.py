"""The sources clusterscore lands: what one record is, its key, and the rules a record must meet to land."""

from clusterscore.sources.annual_reports import ANNUAL_REPORTS
from clusterscore.sources.clusters import CLUSTER_DESIGNATIONS, CLUSTER_SUBMISSIONS
from clusterscore.sources.cvr import CVR_COMPANIES
from clusterscore.sources.labels import LABEL_AWARDS
from clusterscore.sources.spec import RawRecord, SourceSpec

SOURCES: dict[str, SourceSpec] = {
    spec.name: spec for spec in (CVR_COMPANIES, ANNUAL_REPORTS, CLUSTER_DESIGNATIONS, CLUSTER_SUBMISSIONS, LABEL_AWARDS)
}

__all__ = ["SOURCES", "RawRecord", "SourceSpec"]

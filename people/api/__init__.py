"""People API: persons, tags, companies, attribute definitions and segments."""

from people.api.persons import CompanyViewSet, PersonViewSet, TagViewSet
from people.api.segments import AttributeDefinitionViewSet, SegmentViewSet

__all__ = ["AttributeDefinitionViewSet", "CompanyViewSet", "PersonViewSet", "SegmentViewSet", "TagViewSet"]

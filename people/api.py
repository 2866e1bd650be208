"""People API: persons and tags."""

from django.db.models import Count, Q
from rest_framework import filters, serializers, viewsets

from flowdesigner.roles import IsMarketerOrStaff
from people import services
from people.models import Person, Tag


class TagSerializer(serializers.ModelSerializer):
    # Annotated by the viewset's queryset; a tag just created through the API has no annotation and
    # no persons yet.
    person_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Tag
        fields = ["id", "name", "person_count"]


class PersonSerializer(serializers.ModelSerializer):
    tags = serializers.PrimaryKeyRelatedField(many=True, queryset=Tag.objects.all(), required=False)

    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "tags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_email(self, value: str | None) -> str | None:
        value = services.normalise_email(value)
        if (
            value
            and Person.objects.filter(email__iexact=value)
            .exclude(pk=getattr(self.instance, "pk", None))
            .exists()
        ):
            raise serializers.ValidationError("Another person already has this email address.")
        return value

    def validate_phone(self, value: str | None) -> str | None:
        value = value.strip() if value else None
        if (
            value
            and Person.objects.filter(phone=value).exclude(pk=getattr(self.instance, "pk", None)).exists()
        ):
            raise serializers.ValidationError("Another person already has this phone number.")
        return value or None


class TagViewSet(viewsets.ModelViewSet):
    serializer_class = TagSerializer
    permission_classes = [IsMarketerOrStaff]
    filter_backends = [filters.SearchFilter]
    search_fields = ["name"]

    def get_queryset(self):
        return Tag.objects.annotate(person_count=Count("persons")).order_by("name")


class PersonViewSet(viewsets.ModelViewSet):
    serializer_class = PersonSerializer
    permission_classes = [IsMarketerOrStaff]

    def get_queryset(self):
        qs = Person.objects.prefetch_related("tags").order_by("id")
        search = self.request.query_params.get("search", "").strip()
        if search:
            qs = qs.filter(
                Q(first_name__icontains=search)
                | Q(last_name__icontains=search)
                | Q(email__icontains=search)
                | Q(phone__icontains=search)
            )
        tag = self.request.query_params.get("tag")
        if tag and tag.isdigit():
            qs = qs.filter(tags__id=int(tag))
        return qs

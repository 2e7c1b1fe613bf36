from django.urls import path

from apps.fieldwork.api import views

app_name = "fieldwork-api"
urlpatterns = [
    path("fieldwork/assignments/", views.AssignmentListApi.as_view(), name="assignment-list"),
    path("fieldwork/assignments/<int:pk>/assignee", views.AssigneeApi.as_view(), name="assignment-assignee"),
    path("fieldwork/ground", views.GroundApi.as_view(), name="ground"),
    path("fieldwork/visits", views.VisitRecordApi.as_view(), name="visit-record"),
    path("fieldwork/visits/mine", views.VisitListMineApi.as_view(), name="visit-list-mine"),
    path("fieldwork/visits/<str:uuid>/review", views.VisitReviewApi.as_view(), name="visit-review"),
    path("fieldwork/visits/<str:uuid>/photos/<int:index>", views.VisitPhotoApi.as_view(), name="visit-photo"),
]

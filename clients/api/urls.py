from rest_framework.routers import DefaultRouter

from clients.api.views import ClientViewSet

router = DefaultRouter(trailing_slash=True)
router.register("clients", ClientViewSet, basename="client")

urlpatterns = router.urls

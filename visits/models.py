"""Return visits 回访 (domain.md A5): owed on a trigger with a deadline in trading days, made by the service desk by
phone along a versioned script, at most three attempts, ending successful, failed (a problem answer opens a
compliance case) or unreachable. The counter reads the new accounts' results (settlement-api.md "Return-visit
results") to activate them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client, StaffProfile
from clients.roles import Role
from clients.scoping import ClientScopedQuerySet, staff_profile_of
from core.approvals import Approvable

MAX_ATTEMPTS = 3  # A5: unreachable after the third attempt that reaches nobody


class Trigger(models.TextChoices):
    """A5's triggers, each with its deadline in trading days (DEADLINE_TRADING_DAYS; a closing account's visit is
    due before it closes)."""

    NEW_ACCOUNT = "new_account", _("new account")
    COMPLAINT_RESOLVED = "complaint_resolved", _("complaint resolved")
    FORCED_LIQUIDATION = "forced_liquidation", _("forced liquidation")
    SPECIAL_WARNING = "special_warning", _("special risk warning signed")
    REFERRED_ACCOUNT = "referred_account", _("account brought by a referrer")
    CLOSING_ACCOUNT = "closing_account", _("account closing")


DEADLINE_TRADING_DAYS = {Trigger.NEW_ACCOUNT: 5, Trigger.COMPLAINT_RESOLVED: 3, Trigger.FORCED_LIQUIDATION: 1,
                         Trigger.SPECIAL_WARNING: 3, Trigger.REFERRED_ACCOUNT: 5}


class VisitScript(Approvable):
    """A5: a version of the script for one trigger: its items asked one by one, every one required. Written by head
    office, approved by compliance (a second person, core/approvals.py) before use; the latest approved version of
    a trigger is the one a visit follows, and a visit keeps the version it was made with."""

    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    items = models.JSONField(_("items"), help_text=_("the questions in order, each {\"code\": …, \"text\": …}"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("written by"), editable=False)
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("return-visit script")
        verbose_name_plural = _("return-visit scripts")
        ordering = ["trigger", "-version"]
        constraints = [models.UniqueConstraint(fields=["trigger", "version"], name="visit_script_version_unique")]
        permissions = [("approve_visitscript", _("Can approve return-visit scripts"))]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} v{self.version}"


class ReturnVisitQuerySet(ClientScopedQuerySet):
    """The client's branch (O), with two exceptions: an advisor sees none (a visit asks about what the advisor did,
    A5), and compliance reads every branch's visits (A6: it reviews the month's sample and the cases visits open)."""

    def visible_to(self, user):
        profile = staff_profile_of(user)
        if profile is not None and profile.role == Role.ADVISOR:
            return self.none()
        if profile is not None and profile.role == Role.COMPLIANCE:
            return self
        return super().visible_to(user)


class ReturnVisit(models.Model):
    """A5: one visit owed to a client for one cause (its trigger and source: the complaint, the alert …), at most
    one per (client, trigger, source)."""

    class Status(models.TextChoices):
        OWED = "owed", _("to be made")
        SUCCESSFUL = "successful", _("successful")
        FAILED = "failed", _("failed")
        UNREACHABLE = "unreachable", _("unreachable")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="return_visits",
                               verbose_name=_("client"))
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    source = models.CharField(_("cause"), max_length=40, blank=True,
                              help_text=_("what raised it: complaint:<id>, alert:<id>; empty for the account itself"))
    triggered_on = models.DateField(_("triggered on"))
    due_on = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OWED)
    script = models.ForeignKey(VisitScript, on_delete=models.PROTECT, null=True, blank=True, related_name="visits",
                               verbose_name=_("script"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("made by"))
    recording_ref = models.CharField(_("recording"), max_length=300, blank=True)
    case = models.ForeignKey("service_desk.Ticket", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("compliance case"))
    created_at = models.DateTimeField(_("owed since"), auto_now_add=True)

    objects = ReturnVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["client", "trigger", "source"], name="return_visit_once_per_cause"),
            models.CheckConstraint(name="return_visit_finished_when_done", condition=Q(status="owed", finished_at=None)
                                   | (~Q(status="owed") & Q(finished_at__isnull=False))),
            models.CheckConstraint(name="return_visit_attempts", condition=Q(attempts__lte=MAX_ATTEMPTS)),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="return_visit_due"),
                   models.Index(fields=["finished_at"], name="return_visit_finished")]

    def __str__(self) -> str:
        return f"{self.client} · {self.get_trigger_display()}"


class VisitAttempt(models.Model):
    """One call of a visit (A5): reached or not, by whom, when, the recording (S13); when reached, one answer per
    script item."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("client reached")
        NO_ANSWER = "no_answer", _("no answer")
        BUSY = "busy", _("line busy")
        SWITCHED_OFF = "switched_off", _("phone switched off")
        WRONG_NUMBER = "wrong_number", _("wrong number")

    visit = models.ForeignKey(ReturnVisit, on_delete=models.PROTECT, related_name="attempt_rows",
                              verbose_name=_("return visit"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    recording_ref = models.CharField(_("recording"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("visit attempt")
        verbose_name_plural = _("visit attempts")
        ordering = ["visit", "number"]
        constraints = [models.UniqueConstraint(fields=["visit", "number"], name="visit_attempt_number_unique")]

    def __str__(self) -> str:
        return f"{self.visit_id} #{self.number}"


class VisitAnswer(models.Model):
    """The client's answer to one script item in a reached attempt: confirmed, or a problem (A5: the visit fails and
    a compliance case opens)."""

    class Answer(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        PROBLEM = "problem", _("problem")

    attempt = models.ForeignKey(VisitAttempt, on_delete=models.PROTECT, related_name="answers",
                                verbose_name=_("attempt"))
    code = models.CharField(_("item"), max_length=40)
    text = models.CharField(_("question"), max_length=300)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    note = models.CharField(_("what the client said"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("visit answer")
        verbose_name_plural = _("visit answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "code"], name="visit_answer_once_per_item")]

    def __str__(self) -> str:
        return f"{self.code}: {self.answer}"


class VisitReview(models.Model):
    """A6: compliance's review of a visit drawn in its month's sample: a score from 1 (poor) to 5 (exemplary) and a
    comment (required from 2 down)."""

    class Score(models.IntegerChoices):
        POOR = 1, _("1 · poor")
        WEAK = 2, _("2 · weak")
        ADEQUATE = 3, _("3 · adequate")
        GOOD = 4, _("4 · good")
        EXEMPLARY = 5, _("5 · exemplary")

    visit = models.OneToOneField(ReturnVisit, on_delete=models.PROTECT, related_name="review",
                                 verbose_name=_("return visit"))
    month = models.DateField(_("sample of"))
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("visit review")
        verbose_name_plural = _("visit reviews")
        constraints = [models.CheckConstraint(name="visit_review_score", condition=Q(score__gte=1, score__lte=5))]

    def __str__(self) -> str:
        return f"{self.visit} · {self.score}"

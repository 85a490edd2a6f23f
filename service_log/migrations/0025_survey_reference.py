from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("service_log", "0024_plans_follow_cards")]

    operations = [
        migrations.RemoveConstraint(model_name="surveyresponse", name="survey_one_answer_per_client"),
        migrations.AddField(
            model_name="surveyresponse",
            name="reference",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=40,
                                   verbose_name="reference"),
        ),
        migrations.AddConstraint(
            model_name="surveyresponse",
            constraint=models.UniqueConstraint(fields=("client", "survey", "reference"),
                                               name="survey_one_answer_per_client"),
        ),
    ]

from django.urls import path

from portal.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.payment_list, name="list"),
    path("appointments/<int:pk>/", views.appointment_payments, name="appointment"),
    path("appointments/<int:pk>/desk/", views.desk_payment, name="desk_payment"),
    path("appointments/<int:pk>/claim/", views.claim_submit, name="claim_submit"),
    path("appointments/<int:pk>/claim/outcome/", views.claim_outcome, name="claim_outcome"),
    path("appointments/<int:pk>/checkout/", views.checkout, name="checkout"),
    path("checkout/success/", views.checkout_success, name="checkout_success"),
    path("appointments/<int:pk>/checkout/cancelled/", views.checkout_cancel, name="checkout_cancel"),
    path("refunds/<int:pk>/confirm/", views.refund_confirm, name="refund_confirm"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("stripe/webhook/", views.stripe_webhook, name="payments_stripe_webhook"),
    path("appointments/<int:pk>/paynow/", views.paynow_start, name="paynow_start"),
    path("paynow/<int:pk>/", views.paynow_status, name="paynow_status"),
    path("paynow/result/", views.paynow_result, name="paynow_result"),
    path("claims/", views.claims_desk, name="claims"),
    path("claims/batches/", views.claim_batch_build, name="claim_batch_build"),
    path("claims/batches/<int:pk>/", views.claim_batch, name="claim_batch"),
    path("claims/batches/<int:pk>/claims.<str:fmt>", views.claim_batch_file, name="claim_batch_file"),
    path("claims/remittances/", views.remittance_import, name="remittance_import"),
    path("claims/remittances/<int:pk>/", views.remittance, name="remittance"),
]

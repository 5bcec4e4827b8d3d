"""Contains all the data models used in inputs/outputs"""

from .alert_create import AlertCreate
from .alert_create_channels_item import AlertCreateChannelsItem
from .alert_create_filters import AlertCreateFilters
from .alert_create_per import AlertCreatePer
from .alert_created import AlertCreated
from .alert_created_filters import AlertCreatedFilters
from .alert_out import AlertOut
from .alert_out_filters import AlertOutFilters
from .alerts_delivery_out import AlertsDeliveryOut
from .api_key_created import ApiKeyCreated
from .api_key_in import ApiKeyIn
from .api_key_in_scopes_item import ApiKeyInScopesItem
from .api_key_out import ApiKeyOut
from .assistant_graph_response_assistant_graph_assistants_assistant_id_graph_get import (
    AssistantGraphResponseAssistantGraphAssistantsAssistantIdGraphGet,
)
from .assistant_schemas_response_assistant_schemas_assistants_assistant_id_schemas_get import (
    AssistantSchemasResponseAssistantSchemasAssistantsAssistantIdSchemasGet,
)
from .assistant_search import AssistantSearch
from .assistant_search_metadata_type_0 import AssistantSearchMetadataType0
from .assistant_subgraphs_response_assistant_subgraphs_assistants_assistant_id_subgraphs_get import (
    AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet,
)
from .audit_entry_out import AuditEntryOut
from .audit_entry_out_details import AuditEntryOutDetails
from .audit_verify_out import AuditVerifyOut
from .audit_verify_out_first_broken_type_0 import AuditVerifyOutFirstBrokenType0
from .billing_account_in import BillingAccountIn
from .billing_account_out import BillingAccountOut
from .billing_delivery_out import BillingDeliveryOut
from .booking_create import BookingCreate
from .booking_detail_out import BookingDetailOut
from .booking_out import BookingOut
from .booking_page import BookingPage
from .booking_state import BookingState
from .booking_totals import BookingTotals
from .cancel_many import CancelMany
from .cancel_many_action import CancelManyAction
from .cancel_many_status_type_0 import CancelManyStatusType0
from .cancel_run_action import CancelRunAction
from .catalog_kpis import CatalogKpis
from .catalog_kpis_backend import CatalogKpisBackend
from .catalog_kpis_providers_by_status import CatalogKpisProvidersByStatus
from .chat_request import ChatRequest
from .chat_result import ChatResult
from .chat_result_approval_type_0 import ChatResultApprovalType0
from .chat_result_booking_type_0 import ChatResultBookingType0
from .chat_result_bookings_item import ChatResultBookingsItem
from .chat_result_requirement_type_0 import ChatResultRequirementType0
from .chat_result_searches_item import ChatResultSearchesItem
from .chat_result_sources_item import ChatResultSourcesItem
from .chat_result_spending_type_0 import ChatResultSpendingType0
from .chat_stream_response_200 import ChatStreamResponse200
from .chat_stream_response_200_event import ChatStreamResponse200Event
from .checkpoint_in import CheckpointIn
from .connection_out import ConnectionOut
from .constraints import Constraints
from .copy_thread_response_copy_thread_threads_thread_id_copy_post import (
    CopyThreadResponseCopyThreadThreadsThreadIdCopyPost,
)
from .create_thread_response_create_thread_threads_post import CreateThreadResponseCreateThreadThreadsPost
from .credentials_in import CredentialsIn
from .credentials_list import CredentialsList
from .credentials_out import CredentialsOut
from .credit_note_in import CreditNoteIn
from .currency_period_out import CurrencyPeriodOut
from .currency_totals import CurrencyTotals
from .data_export_response_data_export_data_request_get import DataExportResponseDataExportDataRequestGet
from .day_kpis import DayKpis
from .email_verified_out import EmailVerifiedOut
from .erasure_out import ErasureOut
from .erasure_out_removed import ErasureOutRemoved
from .error_body import ErrorBody
from .error_envelope import ErrorEnvelope
from .export_offers_availability_type_0 import ExportOffersAvailabilityType0
from .export_offers_format import ExportOffersFormat
from .export_offers_geo_type_0 import ExportOffersGeoType0
from .export_offers_sort import ExportOffersSort
from .family_price import FamilyPrice
from .firing_out import FiringOut
from .firing_out_offer import FiringOutOffer
from .forecast import Forecast
from .forecast_day import ForecastDay
from .forecast_series_item import ForecastSeriesItem
from .forecast_trend_type_0 import ForecastTrendType0
from .get_assistant_response_get_assistant_assistants_assistant_id_get import (
    GetAssistantResponseGetAssistantAssistantsAssistantIdGet,
)
from .get_thread_response_get_thread_threads_thread_id_get import GetThreadResponseGetThreadThreadsThreadIdGet
from .history_point import HistoryPoint
from .history_query import HistoryQuery
from .history_query_metadata_type_0 import HistoryQueryMetadataType0
from .iac import Iac
from .index_point import IndexPoint
from .info_response_info_info_get import InfoResponseInfoInfoGet
from .introspection_out import IntrospectionOut
from .invitation_out import InvitationOut
from .invite_in import InviteIn
from .invoice_line_out import InvoiceLineOut
from .invoice_out import InvoiceOut
from .invoice_out_kind import InvoiceOutKind
from .invoice_out_ledger import InvoiceOutLedger
from .invoice_page import InvoicePage
from .invoice_summary import InvoiceSummary
from .invoice_summary_kind import InvoiceSummaryKind
from .join_run_response_join_run_threads_thread_id_runs_run_id_join_get import (
    JoinRunResponseJoinRunThreadsThreadIdRunsRunIdJoinGet,
)
from .jwks_out import JwksOut
from .jwks_out_keys_item import JwksOutKeysItem
from .killbill_event_event import KillbillEventEvent
from .killbill_event_response_killbill_event_billing_killbill_events_post import (
    KillbillEventResponseKillbillEventBillingKillbillEventsPost,
)
from .kpi_report import KpiReport
from .kpi_report_backend import KpiReportBackend
from .list_providers_response_200_item import ListProvidersResponse200Item
from .login_in import LoginIn
from .mail_sent_out import MailSentOut
from .mark_read_response_mark_read_alerts_notifications_read_post import (
    MarkReadResponseMarkReadAlertsNotificationsReadPost,
)
from .market_index_out import MarketIndexOut
from .market_point import MarketPoint
from .me_out import MeOut
from .meter_out import MeterOut
from .mfa_challenge import MfaChallenge
from .mfa_code_in import MfaCodeIn
from .offer_history import OfferHistory
from .offer_out import OfferOut
from .offer_out_price_scope import OfferOutPriceScope
from .open_tenant_in import OpenTenantIn
from .open_tenant_out import OpenTenantOut
from .ops_tenant import OpsTenant
from .ops_tenant_page import OpsTenantPage
from .passkey_login_in import PasskeyLoginIn
from .passkey_login_in_credential import PasskeyLoginInCredential
from .password_forgot_in import PasswordForgotIn
from .password_reset_in import PasswordResetIn
from .patch_thread_response_patch_thread_threads_thread_id_patch import (
    PatchThreadResponsePatchThreadThreadsThreadIdPatch,
)
from .payment_in import PaymentIn
from .payment_out import PaymentOut
from .plan import Plan
from .port_out import PortOut
from .predict_request import PredictRequest
from .predict_result import PredictResult
from .price_events_availability_type_0 import PriceEventsAvailabilityType0
from .price_events_geo_type_0 import PriceEventsGeoType0
from .price_events_response_200 import PriceEventsResponse200
from .price_events_response_200_event import PriceEventsResponse200Event
from .price_events_sort import PriceEventsSort
from .provider_account_out import ProviderAccountOut
from .provider_health_out import ProviderHealthOut
from .provider_health_out_mode_type_0 import ProviderHealthOutModeType0
from .provider_offers import ProviderOffers
from .provider_sync import ProviderSync
from .ranked import Ranked
from .recommendation import Recommendation
from .recovery_codes import RecoveryCodes
from .refresh_in import RefreshIn
from .register_in import RegisterIn
from .register_out import RegisterOut
from .resume import Resume
from .role import Role
from .run_command import RunCommand
from .run_create import RunCreate
from .run_create_checkpoint_type_0 import RunCreateCheckpointType0
from .run_create_config_type_0 import RunCreateConfigType0
from .run_create_if_not_exists import RunCreateIfNotExists
from .run_create_input_type_0 import RunCreateInputType0
from .run_create_metadata_type_0 import RunCreateMetadataType0
from .run_create_multitask_strategy import RunCreateMultitaskStrategy
from .run_create_on_completion import RunCreateOnCompletion
from .run_create_on_disconnect import RunCreateOnDisconnect
from .run_out import RunOut
from .run_out_deferred_item import RunOutDeferredItem
from .run_out_errors_item import RunOutErrorsItem
from .run_out_ledger import RunOutLedger
from .search_assistants_response_200_item import SearchAssistantsResponse200Item
from .search_offers_availability_type_0 import SearchOffersAvailabilityType0
from .search_offers_geo_type_0 import SearchOffersGeoType0
from .search_offers_sort import SearchOffersSort
from .search_result import SearchResult
from .search_threads_response_200_item import SearchThreadsResponse200Item
from .ssh_key_in import SshKeyIn
from .ssh_key_list import SshKeyList
from .ssh_key_out import SshKeyOut
from .state_at import StateAt
from .state_update import StateUpdate
from .state_update_values_type_0 import StateUpdateValuesType0
from .state_update_values_type_1_item import StateUpdateValuesType1Item
from .stateless_run_create_response_stateless_run_create_runs_post import (
    StatelessRunCreateResponseStatelessRunCreateRunsPost,
)
from .stateless_run_join_stream_response_200 import StatelessRunJoinStreamResponse200
from .stateless_run_join_stream_response_200_event import StatelessRunJoinStreamResponse200Event
from .stateless_run_stream_response_200 import StatelessRunStreamResponse200
from .stateless_run_stream_response_200_event import StatelessRunStreamResponse200Event
from .statement_document import StatementDocument
from .statement_document_kind import StatementDocumentKind
from .statement_out import StatementOut
from .tenant_out import TenantOut
from .tenant_update import TenantUpdate
from .thread_count import ThreadCount
from .thread_count_metadata_type_0 import ThreadCountMetadataType0
from .thread_count_status_type_0 import ThreadCountStatusType0
from .thread_count_values_type_0 import ThreadCountValuesType0
from .thread_create import ThreadCreate
from .thread_create_if_exists import ThreadCreateIfExists
from .thread_create_metadata_type_0 import ThreadCreateMetadataType0
from .thread_history_get_response_200_item import ThreadHistoryGetResponse200Item
from .thread_history_response_200_item import ThreadHistoryResponse200Item
from .thread_patch import ThreadPatch
from .thread_patch_metadata import ThreadPatchMetadata
from .thread_run_create_response_thread_run_create_threads_thread_id_runs_post import (
    ThreadRunCreateResponseThreadRunCreateThreadsThreadIdRunsPost,
)
from .thread_run_join_stream_response_200 import ThreadRunJoinStreamResponse200
from .thread_run_join_stream_response_200_event import ThreadRunJoinStreamResponse200Event
from .thread_run_response_thread_run_threads_thread_id_runs_run_id_get import (
    ThreadRunResponseThreadRunThreadsThreadIdRunsRunIdGet,
)
from .thread_run_stream_response_200 import ThreadRunStreamResponse200
from .thread_run_stream_response_200_event import ThreadRunStreamResponse200Event
from .thread_runs_response_200_item import ThreadRunsResponse200Item
from .thread_runs_status_type_0 import ThreadRunsStatusType0
from .thread_search import ThreadSearch
from .thread_search_metadata_type_0 import ThreadSearchMetadataType0
from .thread_search_sort_by import ThreadSearchSortBy
from .thread_search_sort_order import ThreadSearchSortOrder
from .thread_search_status_type_0 import ThreadSearchStatusType0
from .thread_search_values_type_0 import ThreadSearchValuesType0
from .thread_state_at_post_response_thread_state_at_post_threads_thread_id_state_checkpoint_post import (
    ThreadStateAtPostResponseThreadStateAtPostThreadsThreadIdStateCheckpointPost,
)
from .thread_state_at_response_thread_state_at_threads_thread_id_state_checkpoint_id_get import (
    ThreadStateAtResponseThreadStateAtThreadsThreadIdStateCheckpointIdGet,
)
from .thread_state_response_thread_state_threads_thread_id_state_get import (
    ThreadStateResponseThreadStateThreadsThreadIdStateGet,
)
from .token_pair import TokenPair
from .totp_code_in import TotpCodeIn
from .totp_enrollment import TotpEnrollment
from .transition_out import TransitionOut
from .transition_out_details import TransitionOutDetails
from .trend import Trend
from .trend_direction import TrendDirection
from .update_state_response_update_state_threads_thread_id_state_post import (
    UpdateStateResponseUpdateStateThreadsThreadIdStatePost,
)
from .usage_out import UsageOut
from .usage_page import UsagePage
from .user_out import UserOut
from .user_update import UserUpdate
from .verify_email_in import VerifyEmailIn
from .void_in import VoidIn
from .web_authn_credential_out import WebAuthnCredentialOut
from .web_authn_login_in import WebAuthnLoginIn
from .web_authn_login_in_credential import WebAuthnLoginInCredential
from .web_authn_login_options_in import WebAuthnLoginOptionsIn
from .web_authn_options import WebAuthnOptions
from .web_authn_options_options import WebAuthnOptionsOptions
from .web_authn_register_in import WebAuthnRegisterIn
from .web_authn_register_in_credential import WebAuthnRegisterInCredential

__all__ = (
    "AlertCreate",
    "AlertCreateChannelsItem",
    "AlertCreated",
    "AlertCreatedFilters",
    "AlertCreateFilters",
    "AlertCreatePer",
    "AlertOut",
    "AlertOutFilters",
    "AlertsDeliveryOut",
    "ApiKeyCreated",
    "ApiKeyIn",
    "ApiKeyInScopesItem",
    "ApiKeyOut",
    "AssistantGraphResponseAssistantGraphAssistantsAssistantIdGraphGet",
    "AssistantSchemasResponseAssistantSchemasAssistantsAssistantIdSchemasGet",
    "AssistantSearch",
    "AssistantSearchMetadataType0",
    "AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet",
    "AuditEntryOut",
    "AuditEntryOutDetails",
    "AuditVerifyOut",
    "AuditVerifyOutFirstBrokenType0",
    "BillingAccountIn",
    "BillingAccountOut",
    "BillingDeliveryOut",
    "BookingCreate",
    "BookingDetailOut",
    "BookingOut",
    "BookingPage",
    "BookingState",
    "BookingTotals",
    "CancelMany",
    "CancelManyAction",
    "CancelManyStatusType0",
    "CancelRunAction",
    "CatalogKpis",
    "CatalogKpisBackend",
    "CatalogKpisProvidersByStatus",
    "ChatRequest",
    "ChatResult",
    "ChatResultApprovalType0",
    "ChatResultBookingsItem",
    "ChatResultBookingType0",
    "ChatResultRequirementType0",
    "ChatResultSearchesItem",
    "ChatResultSourcesItem",
    "ChatResultSpendingType0",
    "ChatStreamResponse200",
    "ChatStreamResponse200Event",
    "CheckpointIn",
    "ConnectionOut",
    "Constraints",
    "CopyThreadResponseCopyThreadThreadsThreadIdCopyPost",
    "CreateThreadResponseCreateThreadThreadsPost",
    "CredentialsIn",
    "CredentialsList",
    "CredentialsOut",
    "CreditNoteIn",
    "CurrencyPeriodOut",
    "CurrencyTotals",
    "DataExportResponseDataExportDataRequestGet",
    "DayKpis",
    "EmailVerifiedOut",
    "ErasureOut",
    "ErasureOutRemoved",
    "ErrorBody",
    "ErrorEnvelope",
    "ExportOffersAvailabilityType0",
    "ExportOffersFormat",
    "ExportOffersGeoType0",
    "ExportOffersSort",
    "FamilyPrice",
    "FiringOut",
    "FiringOutOffer",
    "Forecast",
    "ForecastDay",
    "ForecastSeriesItem",
    "ForecastTrendType0",
    "GetAssistantResponseGetAssistantAssistantsAssistantIdGet",
    "GetThreadResponseGetThreadThreadsThreadIdGet",
    "HistoryPoint",
    "HistoryQuery",
    "HistoryQueryMetadataType0",
    "Iac",
    "IndexPoint",
    "InfoResponseInfoInfoGet",
    "IntrospectionOut",
    "InvitationOut",
    "InviteIn",
    "InvoiceLineOut",
    "InvoiceOut",
    "InvoiceOutKind",
    "InvoiceOutLedger",
    "InvoicePage",
    "InvoiceSummary",
    "InvoiceSummaryKind",
    "JoinRunResponseJoinRunThreadsThreadIdRunsRunIdJoinGet",
    "JwksOut",
    "JwksOutKeysItem",
    "KillbillEventEvent",
    "KillbillEventResponseKillbillEventBillingKillbillEventsPost",
    "KpiReport",
    "KpiReportBackend",
    "ListProvidersResponse200Item",
    "LoginIn",
    "MailSentOut",
    "MarketIndexOut",
    "MarketPoint",
    "MarkReadResponseMarkReadAlertsNotificationsReadPost",
    "MeOut",
    "MeterOut",
    "MfaChallenge",
    "MfaCodeIn",
    "OfferHistory",
    "OfferOut",
    "OfferOutPriceScope",
    "OpenTenantIn",
    "OpenTenantOut",
    "OpsTenant",
    "OpsTenantPage",
    "PasskeyLoginIn",
    "PasskeyLoginInCredential",
    "PasswordForgotIn",
    "PasswordResetIn",
    "PatchThreadResponsePatchThreadThreadsThreadIdPatch",
    "PaymentIn",
    "PaymentOut",
    "Plan",
    "PortOut",
    "PredictRequest",
    "PredictResult",
    "PriceEventsAvailabilityType0",
    "PriceEventsGeoType0",
    "PriceEventsResponse200",
    "PriceEventsResponse200Event",
    "PriceEventsSort",
    "ProviderAccountOut",
    "ProviderHealthOut",
    "ProviderHealthOutModeType0",
    "ProviderOffers",
    "ProviderSync",
    "Ranked",
    "Recommendation",
    "RecoveryCodes",
    "RefreshIn",
    "RegisterIn",
    "RegisterOut",
    "Resume",
    "Role",
    "RunCommand",
    "RunCreate",
    "RunCreateCheckpointType0",
    "RunCreateConfigType0",
    "RunCreateIfNotExists",
    "RunCreateInputType0",
    "RunCreateMetadataType0",
    "RunCreateMultitaskStrategy",
    "RunCreateOnCompletion",
    "RunCreateOnDisconnect",
    "RunOut",
    "RunOutDeferredItem",
    "RunOutErrorsItem",
    "RunOutLedger",
    "SearchAssistantsResponse200Item",
    "SearchOffersAvailabilityType0",
    "SearchOffersGeoType0",
    "SearchOffersSort",
    "SearchResult",
    "SearchThreadsResponse200Item",
    "SshKeyIn",
    "SshKeyList",
    "SshKeyOut",
    "StateAt",
    "StatelessRunCreateResponseStatelessRunCreateRunsPost",
    "StatelessRunJoinStreamResponse200",
    "StatelessRunJoinStreamResponse200Event",
    "StatelessRunStreamResponse200",
    "StatelessRunStreamResponse200Event",
    "StatementDocument",
    "StatementDocumentKind",
    "StatementOut",
    "StateUpdate",
    "StateUpdateValuesType0",
    "StateUpdateValuesType1Item",
    "TenantOut",
    "TenantUpdate",
    "ThreadCount",
    "ThreadCountMetadataType0",
    "ThreadCountStatusType0",
    "ThreadCountValuesType0",
    "ThreadCreate",
    "ThreadCreateIfExists",
    "ThreadCreateMetadataType0",
    "ThreadHistoryGetResponse200Item",
    "ThreadHistoryResponse200Item",
    "ThreadPatch",
    "ThreadPatchMetadata",
    "ThreadRunCreateResponseThreadRunCreateThreadsThreadIdRunsPost",
    "ThreadRunJoinStreamResponse200",
    "ThreadRunJoinStreamResponse200Event",
    "ThreadRunResponseThreadRunThreadsThreadIdRunsRunIdGet",
    "ThreadRunsResponse200Item",
    "ThreadRunsStatusType0",
    "ThreadRunStreamResponse200",
    "ThreadRunStreamResponse200Event",
    "ThreadSearch",
    "ThreadSearchMetadataType0",
    "ThreadSearchSortBy",
    "ThreadSearchSortOrder",
    "ThreadSearchStatusType0",
    "ThreadSearchValuesType0",
    "ThreadStateAtPostResponseThreadStateAtPostThreadsThreadIdStateCheckpointPost",
    "ThreadStateAtResponseThreadStateAtThreadsThreadIdStateCheckpointIdGet",
    "ThreadStateResponseThreadStateThreadsThreadIdStateGet",
    "TokenPair",
    "TotpCodeIn",
    "TotpEnrollment",
    "TransitionOut",
    "TransitionOutDetails",
    "Trend",
    "TrendDirection",
    "UpdateStateResponseUpdateStateThreadsThreadIdStatePost",
    "UsageOut",
    "UsagePage",
    "UserOut",
    "UserUpdate",
    "VerifyEmailIn",
    "VoidIn",
    "WebAuthnCredentialOut",
    "WebAuthnLoginIn",
    "WebAuthnLoginInCredential",
    "WebAuthnLoginOptionsIn",
    "WebAuthnOptions",
    "WebAuthnOptionsOptions",
    "WebAuthnRegisterIn",
    "WebAuthnRegisterInCredential",
)

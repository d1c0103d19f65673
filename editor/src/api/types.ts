import type { z } from 'zod';
import type * as C from '@flightdeck/engine/contracts';

/**
 * The shapes of the engine's HTTP API, derived from its zod contracts (the same schemas the
 * routes answer with and the OpenAPI document is made from). Types only: nothing of the
 * contracts is bundled. Answers are what the server sends (z.output of schemas that fill no
 * defaults); request bodies are what a schema accepts (z.input).
 */
type Out<S extends z.ZodType> = z.output<S>;
type In<S extends z.ZodType> = z.input<S>;

export type ProblemError = Out<typeof C.fieldErrorSchema>;
/** Partial: the client also makes problems up, for failures that never reached the engine. */
export type Problem = Partial<Out<typeof C.problemSchema>>;

/** A flow document as the server stores a draft: a node's config and position may be missing. */
export type FlowGraph = Out<typeof C.flowGraphSchema>;
export type FlowSummary = Out<typeof C.flowSummarySchema>;
export type Flow = Out<typeof C.flowSchema>;
export type FlowVersion = Out<typeof C.flowVersionSchema>;
export type VersionDiff = Out<typeof C.versionDiffSchema>;
export type FlowTemplate = Out<typeof C.flowTemplateSchema>;
export type FlowSchedule = Out<typeof C.flowScheduleSchema>;
export type OverlapPolicy = FlowSchedule['overlap'];
export type NewFlow = In<typeof C.createFlowBody>;
export type FlowPatch = In<typeof C.updateFlowBody>;
export type HookSecret = Out<typeof C.hookSecretSchema>;

export type Run = Out<typeof C.runSchema>;
/** What the run's event stream sends on each change: the run without its graph. */
export type RunLive = Out<typeof C.runLiveSchema>;
/** A run in a list: no graph and no node state. */
export type RunSummary = Out<typeof C.runSummarySchema>;
export type RunPage = Out<typeof C.runPageSchema>;
export type RunActivities = Out<typeof C.runActivitiesSchema>;
/** The runs list's filters, as the API takes them (the page size and cursor are the list's own). */
export type RunFilter = Omit<In<typeof C.listRunsQuery>, 'limit' | 'cursor'>;
export type StartRun = In<typeof C.startRunBody>;
export type Delivery = Out<typeof C.deliverySchema>;
export type DeliveryStatus = Delivery['status'];
export type RunDeliveries = Out<typeof C.runDeliveriesSchema>;

export type User = Out<typeof C.userSchema>;
export type Grant = User['grants'][number];
export type Session = Out<typeof C.sessionSchema>;
export type Department = Out<typeof C.departmentSchema>;
export type ApiToken = Out<typeof C.apiTokenSchema>;
/** The answer to creating a token: the only time its secret is shown. */
export type CreatedToken = Out<typeof C.createdTokenSchema>;
export type TokenScope = ApiToken['scopes'][number];
export type NewToken = In<typeof C.tokenBody>;

export { CAMPAIGN_STATUSES, type CampaignStatus } from '@flightdeck/workflows';
export type Campaign = Out<typeof C.campaignSchema>;
/** After moving dates: how many waiting runs were told. */
export type CampaignUpdated = Out<typeof C.campaignUpdatedSchema>;
export type IngestResult = Out<typeof C.ingestResultSchema>;
export type MetricsAnswer = Out<typeof C.metricsAnswerSchema>;
export type CampaignGoal = Campaign['goals'][number];
export type StoredReview = Out<typeof C.storedReviewSchema>;
export type ReviewVersion = Out<typeof C.reviewVersionSchema>;
export type ReviewVersions = Out<typeof C.reviewVersionsSchema>;
export type BudgetLine = Campaign['budget']['lines'][number];
export type CampaignPhases = In<typeof C.campaignPhasesBodySchema>['phases'];

/** One approval task in my inbox, with the campaign it is about. */
export type InboxItem = Out<typeof C.inboxItemSchema>;
export type PreviousApproval = InboxItem['previous'][number];
export type Decision = In<typeof C.decisionBody>;

/** A task a flow gave me (human.task): a plain one, or a lesson to record. */
export type WorkTask = Out<typeof C.workTaskSchema>;
export type WorkTaskCompletion = In<typeof C.workTaskCompleteBody>;

/** Where a channel message can go; each kind has its own secrets. */
export { CHANNEL_KINDS as CONNECTION_KINDS, type ConnectionKind } from '@flightdeck/activities/catalogue';
export type Connection = Out<typeof C.connectionSchema>;
export type ConnectionResumed = Out<typeof C.connectionResumedSchema>;
export type NewConnection = In<typeof C.connectionBody>;
export type ConnectionPatch = In<typeof C.connectionPatch>;
export type ConnectionTestResult = Out<typeof C.connectionTestResultSchema>;

export type AppNotification = Out<typeof C.notificationSchema>;
export type NotificationList = Out<typeof C.notificationListSchema>;
export type MarkRead = In<typeof C.markReadBody>;
export type Unread = Out<typeof C.unreadSchema>;

export { ALERT_STATES, SEVERITIES, type AlertState, type Severity } from '@flightdeck/workflows';
/** One alert as lists show it; the detail adds its timeline. */
export type Alert = Out<typeof C.alertSchema>;
export type AlertDetail = Out<typeof C.alertDetailSchema>;
export type AckManyResult = Out<typeof C.ackManyResultSchema>;
export type AlertEvent = AlertDetail['timeline'][number];
export type AlertPage = Out<typeof C.alertPageSchema>;
/** The list's filters as the query string takes them (limit and cursor left to the client). */
export type AlertFilter = Omit<In<typeof C.alertListQuery>, 'limit' | 'cursor'>;
export type Silence = Out<typeof C.silenceSchema>;
export type NewSilence = In<typeof C.silenceBody>;

export type Lesson = Out<typeof C.lessonSchema>;
export type LessonHit = Out<typeof C.lessonHitSchema>;
export type LessonSearch = Out<typeof C.lessonSearchSchema>;
export type LessonHighlight = LessonHit['highlight'];
/** The search's filters as the query string takes them; paging is the client's. */
export type LessonFilter = Omit<In<typeof C.lessonQuerySchema>, 'limit' | 'page'>;
export type NewLesson = In<typeof C.lessonInputSchema>;
export type LessonsRelated = Out<typeof C.lessonsRelatedSchema>;
/** Channels and KPIs comma-separated, as the query string takes them. */
export type RelatedLessonsQuery = Omit<In<typeof C.lessonsRelatedQuerySchema>, 'limit'>;
export type Portfolio = Out<typeof C.portfolioSchema>;
export type PortfolioRow = Portfolio['items'][number];
/** The portfolio's sort and filters as the address and the API take them (all optional). */
export type PortfolioQuery = In<typeof C.portfolioQuerySchema>;
export type CampaignComparison = Out<typeof C.comparisonSchema>;
export type LessonOutcome = NonNullable<Lesson['outcome']>;
/** The filter's choices; typed against the contract, so a new outcome there fails to compile here. */
export const LESSON_OUTCOMES = ['met', 'missed', 'mixed'] as const satisfies readonly LessonOutcome[];

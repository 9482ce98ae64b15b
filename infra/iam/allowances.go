package iam

// Allowances are grants that no recorded call uses, each with its reason:
// AWS uses them on the function's behalf, or they serve a recovery path the
// function-level tests can not reach (a fault between two steps). Nothing
// else may be granted without a recorded call that needs it.
var Allowances = []Allowance{
	{Function: "MailSenderFunction", Action: "sqs:SendMessage",
		Why: "the stream event source mapping's OnFailure destination: Lambda sends a failed batch's record to the dead-letter queue with the function's role"},
	{Function: "CustomerAuthInvitationAcceptFunction", Action: "cognito-idp:AdminGetUser",
		Why: "directory/cognito EnsureUser: an accept whose address a user already holds reads its custom:personId; the staff accept runs the same code and its tests (tests/api TestAccept*) make the call"},
	{Function: "CustomerAuthInvitationAcceptFunction", Action: "cognito-idp:AdminEnableUser",
		Why: "directory/cognito EnsureUser: a user an interrupted accept made for the same person is enabled again (the staff accept's TestAcceptReusesTheLeftoverUserOfTheSamePerson makes the call)"},
	{Function: "CustomerAuthInvitationAcceptFunction", Action: "cognito-idp:AdminUserGlobalSignOut",
		Why: "directory/cognito EnsureUser: the reused user is signed out everywhere (same path, same staff test)"},
}

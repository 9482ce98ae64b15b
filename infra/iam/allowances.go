package iam

// Allowances are grants that no recorded call uses, each with its reason:
// AWS uses them on the function's behalf, or they serve a recovery path the
// function-level tests can not reach (a fault between two steps). Nothing
// else may be granted without a recorded call that needs it.
var Allowances = []Allowance{
	{Function: "MailSenderFunction", Action: "sqs:SendMessage",
		Why: "the stream event source mapping's OnFailure destination: Lambda sends a failed batch's record to the dead-letter queue with the function's role"},
	{Function: "*AuthInvitationAcceptFunction", Action: "cognito-idp:AdminEnableUser",
		Why: "directory/cognito EnsureUser: an accept whose Cognito user survives from an interrupted earlier attempt enables it again (tests/faults covers it in process)"},
	{Function: "*AuthInvitationAcceptFunction", Action: "cognito-idp:AdminGetUser",
		Why: "directory/cognito EnsureUser: reads the surviving user's sub (same recovery path)"},
	{Function: "*AuthEmailChangeConfirmFunction", Action: "cognito-idp:AdminGetUser",
		Why: "directory/cognito ChangeEmail: a confirmation retried after a move whose database write failed (and whose move back failed too) finds the user under the new address (tests/faults covers it in process)"},
}

/// The OpenAPI 3.1 description of leadcrm's HTTP API, served at `GET /openapi.json`.
enum OpenAPIDocument {
    /// The document with this server's `LEAD_STATUSES` as the statuses a `PATCH` may set.
    static func json(statuses: [String]) -> String {
        let list = statuses.map { "\"\($0)\"" }.joined(separator: ", ")
        return self.json.replacingOccurrences(of: "[\"__LEAD_STATUSES__\"]", with: "[\(list)]")
    }

    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "leadcrm",
            "version": "1.0.0",
            "summary": "Lead intake and CRM",
            "description": "Lead intake that never loses a lead (`POST /api/lead`, SPEC section 1) and the CRM API over the stored leads (docs/crm-api.md). Every response is `application/json; charset=utf-8` (the CSV export `text/csv; charset=utf-8`) and carries `X-Request-Id`. Errors are `{\"ok\":false,\"error\":\"<code>\"}`."
          },
          "tags": [
            {"name": "intake", "description": "The sender-facing contract."},
            {"name": "health", "description": "Liveness and readiness."},
            {"name": "leads", "description": "Finding, working and exporting leads."},
            {"name": "submissions", "description": "Raw requests as received."},
            {"name": "users", "description": "Users and their tokens."},
            {"name": "meta", "description": "This document."}
          ],
          "paths": {
            "/api/lead": {
              "post": {
                "operationId": "submitLead",
                "tags": ["intake"],
                "summary": "Submit a lead",
                "description": "Keeps the request byte-exact in `leads_raw` and makes a lead of it; answers once it is durable. The body is read as JSON whatever the `Content-Type` (a non-JSON `application/x-www-form-urlencoded` body becomes the object of its fields). Open by default; with `INTAKE_AUTH=required` a bearer token of any role is needed (401 otherwise, and the request is not recorded).",
                "security": [{}, {"bearerAuth": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}, {"$ref": "#/components/parameters/XRequestId"}],
                "requestBody": {
                  "description": "Any JSON; a JSON object makes a lead (known fields: `click_id`, `country`, `creo`, `description`, `domain`, `email`, `firstName`, `lastName`, `ip`, `lang`, `marker`, `offer`, `phone`, `sourcetype`).",
                  "content": {"application/json": {"schema": {}}}
                },
                "responses": {
                  "201": {
                    "description": "A new lead was stored.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadStored"}}},
                    "links": {
                      "GetLead": {"operationId": "getLead", "parameters": {"id": "$response.body#/lead_id"}},
                      "UpdateLead": {"operationId": "updateLead", "parameters": {"id": "$response.body#/lead_id"}},
                      "ListLeadEvents": {"operationId": "listLeadEvents", "parameters": {"id": "$response.body#/lead_id"}},
                      "EraseLead": {"operationId": "eraseLead", "parameters": {"id": "$response.body#/lead_id"}}
                    }
                  },
                  "202": {
                    "description": "Kept durably (local spool, or raw row for replay) but not yet a lead; `lead_id` is the id it will get.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadQueued"}}}
                  },
                  "400": {
                    "description": "`invalid_json`: not JSON (or nested deeper than 256 levels); `invalid_payload`: JSON but not an object; `bad_request`: the body could not be read (broken chunked framing).",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Error"},
                            {"properties": {"error": {"enum": ["invalid_json", "invalid_payload", "bad_request"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Only with `INTAKE_AUTH=required`: no valid token.",
                    "headers": {
                      "X-Request-Id": {"$ref": "#/components/headers/XRequestId"},
                      "WWW-Authenticate": {"$ref": "#/components/headers/WWWAuthenticate"}
                    },
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "unauthorized"}}}]}
                      }
                    }
                  },
                  "408": {
                    "description": "The body did not arrive within `BODY_TIMEOUT_MS`.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "request_timeout"}}}]}
                      }
                    }
                  },
                  "409": {
                    "description": "The `Idempotency-Key` was already seen.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadDuplicate"}}},
                    "links": {
                      "GetLead": {"operationId": "getLead", "parameters": {"id": "$response.body#/lead_id"}},
                      "UpdateLead": {"operationId": "updateLead", "parameters": {"id": "$response.body#/lead_id"}},
                      "ListLeadEvents": {"operationId": "listLeadEvents", "parameters": {"id": "$response.body#/lead_id"}},
                      "EraseLead": {"operationId": "eraseLead", "parameters": {"id": "$response.body#/lead_id"}}
                    }
                  },
                  "413": {
                    "description": "The body is over `MAX_BODY_BYTES`.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "payload_too_large"}}}]}
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {
                    "description": "Nothing can keep the request now; nothing was recorded, retry.",
                    "headers": {
                      "X-Request-Id": {"$ref": "#/components/headers/XRequestId"},
                      "Retry-After": {"$ref": "#/components/headers/RetryAfter"}
                    },
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "unavailable"}}}]}
                      }
                    }
                  }
                }
              }
            },
            "/health": {
              "get": {
                "operationId": "health",
                "tags": ["health"],
                "summary": "Whether a lead sent now would be kept",
                "security": [],
                "responses": {
                  "200": {
                    "description": "A lead would be kept (by the database, or by the spool while it is down).",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Health"}], "properties": {"ok": {"const": true}}}}
                    }
                  },
                  "503": {
                    "description": "Nothing can take a lead.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Health"}], "properties": {"ok": {"const": false}}}
                      }
                    }
                  }
                }
              }
            },
            "/health/ready": {
              "get": {
                "operationId": "healthReady",
                "tags": ["health"],
                "summary": "Readiness for load balancers: the same answer as /health",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Ready.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Health"}], "properties": {"ok": {"const": true}}}}
                    }
                  },
                  "503": {
                    "description": "Not ready.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Health"}], "properties": {"ok": {"const": false}}}
                      }
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "getOpenAPIDocument",
                "tags": ["meta"],
                "summary": "This document",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}}
                  }
                }
              }
            },
            "/api/leads": {
              "get": {
                "operationId": "listLeads",
                "tags": ["leads"],
                "summary": "List leads (role read)",
                "description": "Erased leads are never listed. An unknown query parameter is refused like a bad value.",
                "security": [{"bearerAuth": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/StatusFilter"},
                  {"$ref": "#/components/parameters/AssignedToFilter"},
                  {"$ref": "#/components/parameters/CountryFilter"},
                  {"$ref": "#/components/parameters/SourcetypeFilter"},
                  {"$ref": "#/components/parameters/DomainFilter"},
                  {"$ref": "#/components/parameters/CreatedFrom"},
                  {"$ref": "#/components/parameters/CreatedTo"},
                  {"$ref": "#/components/parameters/Search"},
                  {"$ref": "#/components/parameters/Sort"},
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of leads.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadPage"}}}
                  },
                  "400": {"$ref": "#/components/responses/InvalidParameter"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/leads.csv": {
              "get": {
                "operationId": "exportLeadsCsv",
                "tags": ["leads"],
                "summary": "Export leads as CSV (role manage)",
                "description": "Every matching lead, streamed, in the order of `sort`. Header row: `id,created_at,updated_at,status,assigned_to,idempotency_key,x_request_id,click_id,country,creo,description,domain,email,firstName,lastName,ip,lang,marker,offer,phone,sourcetype,note,extra`. RFC 4180 quoting; a cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`.",
                "security": [{"bearerAuth": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/StatusFilter"},
                  {"$ref": "#/components/parameters/AssignedToFilter"},
                  {"$ref": "#/components/parameters/CountryFilter"},
                  {"$ref": "#/components/parameters/SourcetypeFilter"},
                  {"$ref": "#/components/parameters/DomainFilter"},
                  {"$ref": "#/components/parameters/CreatedFrom"},
                  {"$ref": "#/components/parameters/CreatedTo"},
                  {"$ref": "#/components/parameters/Search"},
                  {"$ref": "#/components/parameters/Sort"}
                ],
                "responses": {
                  "200": {
                    "description": "The CSV file.",
                    "headers": {
                      "X-Request-Id": {"$ref": "#/components/headers/XRequestId"},
                      "Content-Disposition": {"required": true, "schema": {"type": "string", "const": "attachment; filename=\"leads.csv\""}}
                    },
                    "content": {"text/csv": {"schema": {"type": "string"}}}
                  },
                  "400": {"$ref": "#/components/responses/InvalidParameter"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/leads/{id}": {
              "parameters": [{"$ref": "#/components/parameters/LeadId"}],
              "get": {
                "operationId": "getLead",
                "tags": ["leads"],
                "summary": "A lead and every raw request behind it (role read)",
                "security": [{"bearerAuth": []}],
                "responses": {
                  "200": {
                    "description": "The lead and its submissions (its own request and its duplicates).",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}, "ETag": {"$ref": "#/components/headers/ETag"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadWithSubmissions"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "patch": {
                "operationId": "updateLead",
                "tags": ["leads"],
                "summary": "Change a lead's status, assignee or note (role manage)",
                "description": "Each changed field is one event; `updated_at` and the revision change.",
                "security": [{"bearerAuth": []}],
                "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadPatch"}}}},
                "responses": {
                  "200": {
                    "description": "Changed (or nothing to change).",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}, "ETag": {"$ref": "#/components/headers/ETag"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadResult"}}}
                  },
                  "400": {
                    "description": "`invalid_json`: the body is not JSON; `invalid_payload`: not an object, an unknown member, or a wrong type.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Error"},
                            {"properties": {"error": {"enum": ["invalid_json", "invalid_payload"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "No such lead, or it was erased.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "not_found"}}}]}
                      }
                    }
                  },
                  "412": {
                    "description": "`If-Match` does not match the current `ETag`.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "precondition_failed"}}}]
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "`invalid_status`: not in `LEAD_STATUSES`; `invalid_assignee`: `assigned_to` names no user.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Error"},
                            {"properties": {"error": {"enum": ["invalid_status", "invalid_assignee"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "delete": {
                "operationId": "eraseLead",
                "tags": ["leads"],
                "summary": "Erase a person's data (role admin)",
                "description": "The lead's fields, `extra` and `note` become null; its raw requests lose body, client address, forwarded-for and user agent (keeping `body_sha256`). The lead keeps its id, status and `idempotency_key`. Afterwards the lead is 404 for GET and PATCH; its events stay readable. DELETE again wipes requests that arrived since (a sender's retry) and answers 200.",
                "security": [{"bearerAuth": []}],
                "responses": {
                  "200": {
                    "description": "The erased lead.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadResult"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/leads/{id}/events": {
              "parameters": [{"$ref": "#/components/parameters/LeadId"}],
              "get": {
                "operationId": "listLeadEvents",
                "tags": ["leads"],
                "summary": "A lead's history (role read)",
                "security": [{"bearerAuth": []}],
                "responses": {
                  "200": {
                    "description": "Its events, oldest first.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventList"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/raw": {
              "get": {
                "operationId": "listSubmissions",
                "tags": ["submissions"],
                "summary": "List raw requests by received time (role read)",
                "security": [{"bearerAuth": []}],
                "parameters": [
                  {
                    "name": "outcome",
                    "in": "query",
                    "description": "Only requests with this outcome.",
                    "schema": {"$ref": "#/components/schemas/Outcome"}
                  },
                  {"$ref": "#/components/parameters/Sort"},
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of raw requests.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmissionPage"}}}
                  },
                  "400": {"$ref": "#/components/responses/InvalidParameter"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/users": {
              "get": {
                "operationId": "listUsers",
                "tags": ["users"],
                "summary": "List users (role read)",
                "security": [{"bearerAuth": []}],
                "responses": {
                  "200": {
                    "description": "Every user.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserList"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "post": {
                "operationId": "createUser",
                "tags": ["users"],
                "summary": "Create a user and its first token (role admin)",
                "security": [{"bearerAuth": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}}},
                "responses": {
                  "201": {
                    "description": "The new user and its token (shown only now).",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedUser"}}},
                    "links": {"CreateToken": {"operationId": "createToken", "parameters": {"id": "$response.body#/user/id"}}}
                  },
                  "400": {
                    "description": "`invalid_json`: not JSON; `invalid_payload`: not a valid new user.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Error"},
                            {"properties": {"error": {"enum": ["invalid_json", "invalid_payload"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A user with this name exists.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {
                      "application/json": {
                        "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "name_taken"}}}]}
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/users/{id}/tokens": {
              "parameters": [{"$ref": "#/components/parameters/UserId"}],
              "post": {
                "operationId": "createToken",
                "tags": ["users"],
                "summary": "Give a user another token (role admin)",
                "security": [{"bearerAuth": []}],
                "responses": {
                  "201": {
                    "description": "The new token (shown only now).",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedToken"}}},
                    "links": {"RevokeToken": {"operationId": "revokeToken", "parameters": {"token_id": "$response.body#/token_id"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/tokens/{token_id}": {
              "parameters": [{"$ref": "#/components/parameters/TokenId"}],
              "delete": {
                "operationId": "revokeToken",
                "tags": ["users"],
                "summary": "Revoke a token (role admin)",
                "security": [{"bearerAuth": []}],
                "responses": {
                  "200": {
                    "description": "Revoked.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ok"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            }
          },
          "components": {
            "schemas": {
              "Error": {
                "type": "object",
                "description": "The only shape an error has (SPEC section 1); details go to the log, never here.",
                "required": ["ok", "error"],
                "properties": {
                  "ok": {"const": false},
                  "error": {"type": "string"},
                  "parameter": {"type": "string", "description": "The query parameter that was refused (with `invalid_parameter`)."}
                }
              },
              "ErrorWithParameter": {
                "allOf": [
                  {"$ref": "#/components/schemas/Error"},
                  {"required": ["parameter"], "properties": {"error": {"const": "invalid_parameter"}}}
                ]
              },
              "Lead": {
                "type": "object",
                "description": "A lead. Text fields are strings or null; times are ISO-8601 UTC with milliseconds.",
                "required": [
                  "id",
                  "created_at",
                  "updated_at",
                  "status",
                  "assigned_to",
                  "idempotency_key",
                  "x_request_id",
                  "click_id",
                  "country",
                  "creo",
                  "description",
                  "domain",
                  "email",
                  "firstName",
                  "lastName",
                  "ip",
                  "lang",
                  "marker",
                  "offer",
                  "phone",
                  "sourcetype",
                  "extra",
                  "note",
                  "erased_at"
                ],
                "properties": {
                  "id": {"type": "string", "description": "The lead's id (a UUID, stored as text)."},
                  "created_at": {"type": "string", "format": "date-time"},
                  "updated_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When the lead last changed (its `created_at` until then)."
                  },
                  "status": {"type": "string", "description": "One of `LEAD_STATUSES` (`new` from intake)."},
                  "assigned_to": {"type": ["integer", "null"], "description": "The id of the user the lead is assigned to."},
                  "idempotency_key": {"type": ["string", "null"]},
                  "x_request_id": {"type": ["string", "null"]},
                  "click_id": {"type": ["string", "null"]},
                  "country": {"type": ["string", "null"]},
                  "creo": {"type": ["string", "null"]},
                  "description": {"type": ["string", "null"]},
                  "domain": {"type": ["string", "null"]},
                  "email": {"type": ["string", "null"]},
                  "firstName": {"type": ["string", "null"]},
                  "lastName": {"type": ["string", "null"]},
                  "ip": {"type": ["string", "null"]},
                  "lang": {"type": ["string", "null"]},
                  "marker": {"type": ["string", "null"]},
                  "offer": {"type": ["string", "null"]},
                  "phone": {"type": ["string", "null"]},
                  "sourcetype": {"type": ["string", "null"]},
                  "extra": {"type": ["object", "null"], "description": "Unknown fields of the request, and aliases that lost to a field."},
                  "note": {"type": ["string", "null"]},
                  "erased_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "When the lead was erased (`DELETE`); null while it was not."
                  }
                }
              },
              "Outcome": {"type": "string", "enum": ["stored", "duplicate", "invalid", "failed", "queued"]},
              "Submission": {
                "type": "object",
                "description": "One raw request, kept as received.",
                "required": [
                  "id",
                  "received_at",
                  "outcome",
                  "lead_id",
                  "idempotency_key",
                  "x_request_id",
                  "content_type",
                  "user_agent",
                  "client_ip",
                  "forwarded_for",
                  "truncated",
                  "error",
                  "body",
                  "body_encoding",
                  "body_sha256",
                  "erased_at"
                ],
                "properties": {
                  "id": {"type": "string"},
                  "received_at": {"type": "string", "format": "date-time"},
                  "outcome": {"$ref": "#/components/schemas/Outcome"},
                  "lead_id": {"type": ["string", "null"], "description": "The lead it made or duplicated; null for an invalid request."},
                  "idempotency_key": {"type": ["string", "null"]},
                  "x_request_id": {"type": ["string", "null"]},
                  "content_type": {"type": ["string", "null"]},
                  "user_agent": {"type": ["string", "null"]},
                  "client_ip": {"type": ["string", "null"]},
                  "forwarded_for": {"type": ["string", "null"]},
                  "truncated": {"type": "boolean", "description": "Whether the body was cut at `MAX_BODY_BYTES`."},
                  "error": {"type": ["string", "null"], "description": "Why the request made no lead, or why its body is incomplete."},
                  "body": {
                    "type": ["string", "null"],
                    "description": "The exact bytes: as text when valid UTF-8, else base64; null after erasure."
                  },
                  "body_encoding": {"type": ["string", "null"], "enum": ["utf8", "base64", null]},
                  "body_sha256": {
                    "type": ["string", "null"],
                    "pattern": "^[0-9a-f]{64}$",
                    "description": "After erasure: the hex SHA-256 of the erased body; null before."
                  },
                  "erased_at": {"type": ["string", "null"], "format": "date-time"}
                }
              },
              "Actor": {
                "type": ["object", "null"],
                "description": "The user who made a change; null for events from raw requests.",
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}
              },
              "Event": {
                "type": "object",
                "required": ["at", "kind", "actor", "from", "to", "submission_id"],
                "properties": {
                  "at": {"type": "string", "format": "date-time"},
                  "kind": {"type": "string", "enum": ["created", "duplicate", "status", "assignee", "note", "erased"]},
                  "actor": {"$ref": "#/components/schemas/Actor"},
                  "from": {"type": ["string", "integer", "null"], "description": "The value before the change (status, assignee id, note)."},
                  "to": {"type": ["string", "integer", "null"], "description": "The value after the change."},
                  "submission_id": {"type": ["string", "null"], "description": "The raw request of a `created` or `duplicate` event."}
                }
              },
              "Role": {"type": "string", "enum": ["read", "manage", "admin"]},
              "User": {
                "type": "object",
                "required": ["id", "name", "role", "created_at"],
                "properties": {
                  "id": {"type": "integer"},
                  "name": {"type": "string"},
                  "role": {"$ref": "#/components/schemas/Role"},
                  "created_at": {"type": "string", "format": "date-time"}
                }
              },
              "Token": {
                "type": "string",
                "pattern": "^lcrm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$",
                "description": "`lcrm_<16 hex: token id>_<43 base64url: secret>`; shown once, only its digest is stored."
              },
              "TokenId": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
              "LeadPage": {
                "type": "object",
                "required": ["ok", "leads", "next_cursor"],
                "properties": {
                  "ok": {"const": true},
                  "leads": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}},
                  "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last."}
                }
              },
              "SubmissionPage": {
                "type": "object",
                "required": ["ok", "submissions", "next_cursor"],
                "properties": {
                  "ok": {"const": true},
                  "submissions": {"type": "array", "items": {"$ref": "#/components/schemas/Submission"}},
                  "next_cursor": {"type": ["string", "null"]}
                }
              },
              "LeadWithSubmissions": {
                "type": "object",
                "required": ["ok", "lead", "submissions"],
                "properties": {
                  "ok": {"const": true},
                  "lead": {"$ref": "#/components/schemas/Lead"},
                  "submissions": {"type": "array", "items": {"$ref": "#/components/schemas/Submission"}, "description": "Oldest first."}
                }
              },
              "LeadResult": {
                "type": "object",
                "required": ["ok", "lead"],
                "properties": {"ok": {"const": true}, "lead": {"$ref": "#/components/schemas/Lead"}}
              },
              "EventList": {
                "type": "object",
                "required": ["ok", "events"],
                "properties": {
                  "ok": {"const": true},
                  "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}, "description": "Oldest first."}
                }
              },
              "UserList": {
                "type": "object",
                "required": ["ok", "users"],
                "properties": {"ok": {"const": true}, "users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}
              },
              "CreatedUser": {
                "type": "object",
                "required": ["ok", "user", "token"],
                "properties": {
                  "ok": {"const": true},
                  "user": {"$ref": "#/components/schemas/User"},
                  "token": {"$ref": "#/components/schemas/Token"},
                  "token_id": {"$ref": "#/components/schemas/TokenId"}
                }
              },
              "CreatedToken": {
                "type": "object",
                "required": ["ok", "token", "token_id"],
                "properties": {
                  "ok": {"const": true},
                  "token": {"$ref": "#/components/schemas/Token"},
                  "token_id": {"$ref": "#/components/schemas/TokenId"}
                }
              },
              "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": true}}},
              "LeadPatch": {
                "type": "object",
                "description": "Any of the members; a member left out is not changed.",
                "additionalProperties": false,
                "properties": {
                  "status": {"type": "string", "enum": ["__LEAD_STATUSES__"], "description": "One of `LEAD_STATUSES` (this server's list), else 422."},
                  "assigned_to": {"type": ["integer", "null"], "description": "A user id (else 422), or null to unassign."},
                  "note": {"type": ["string", "null"]}
                }
              },
              "NewUser": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "role"],
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000][^\\x00-\\x1f\\x7f-\\x9f]*$",
                    "description": "Unique; 1 to 100 characters, no control characters, not only spaces."
                  },
                  "role": {"$ref": "#/components/schemas/Role"}
                }
              },
              "IntakeAccepted": {
                "type": "object",
                "required": ["ok", "lead_id", "deduplicated"],
                "properties": {"ok": {"const": true}, "lead_id": {"type": "string"}, "deduplicated": {"type": "boolean"}}
              },
              "LeadStored": {
                "allOf": [{"$ref": "#/components/schemas/IntakeAccepted"}],
                "properties": {"lead_id": {"format": "uuid"}, "deduplicated": {"const": false}},
                "not": {"required": ["queued"]}
              },
              "LeadDuplicate": {
                "allOf": [{"$ref": "#/components/schemas/IntakeAccepted"}],
                "description": "`lead_id` is the first lead's id: a success for senders.",
                "properties": {"deduplicated": {"const": true}}
              },
              "LeadQueued": {
                "allOf": [{"$ref": "#/components/schemas/IntakeAccepted"}],
                "required": ["queued"],
                "properties": {"lead_id": {"format": "uuid"}, "deduplicated": {"const": false}, "queued": {"const": true}}
              },
              "Health": {
                "type": "object",
                "required": ["ok", "timestamp", "database"],
                "properties": {
                  "ok": {"type": "boolean", "description": "Whether a lead sent now would be kept."},
                  "timestamp": {"type": "string", "format": "date-time"},
                  "database": {"type": "string", "enum": ["up", "down"]},
                  "spooled": {"type": "integer", "minimum": 0, "description": "Requests in the local spool (PostgreSQL only)."}
                }
              }
            },
            "responses": {
              "Unauthorized": {
                "description": "No `Authorization: Bearer` header, or an unknown, revoked or wrong token.",
                "headers": {
                  "X-Request-Id": {"$ref": "#/components/headers/XRequestId"},
                  "WWW-Authenticate": {"$ref": "#/components/headers/WWWAuthenticate"}
                },
                "content": {
                  "application/json": {
                    "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "unauthorized"}}}]}
                  }
                }
              },
              "Forbidden": {
                "description": "The token's role may not do this.",
                "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                "content": {
                  "application/json": {
                    "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "forbidden"}}}]}
                  }
                }
              },
              "NotFound": {
                "description": "No such resource.",
                "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                "content": {
                  "application/json": {
                    "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "not_found"}}}]}
                  }
                }
              },
              "InvalidParameter": {
                "description": "A query parameter has a bad value; `parameter` names it.",
                "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorWithParameter"}}}
              },
              "InternalError": {
                "description": "Anything unexpected (details only in the log).",
                "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
                "content": {
                  "application/json": {
                    "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "internal_error"}}}]}
                  }
                }
              },
              "Unavailable": {
                "description": "The database did not answer within `DATABASE_TIMEOUT_MS`.",
                "headers": {
                  "X-Request-Id": {"$ref": "#/components/headers/XRequestId"},
                  "Retry-After": {"$ref": "#/components/headers/RetryAfter"}
                },
                "content": {
                  "application/json": {
                    "schema": {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"error": {"const": "unavailable"}}}]}
                  }
                }
              }
            },
            "parameters": {
              "StatusFilter": {"name": "status", "in": "query", "description": "Exact status.", "schema": {"type": "string"}},
              "AssignedToFilter": {
                "name": "assigned_to",
                "in": "query",
                "description": "A user id, or `none` for unassigned leads.",
                "schema": {"type": "string", "pattern": "^([0-9]{1,9}|none)$"}
              },
              "CountryFilter": {"name": "country", "in": "query", "description": "Exact value.", "schema": {"type": "string"}},
              "SourcetypeFilter": {"name": "sourcetype", "in": "query", "description": "Exact value.", "schema": {"type": "string"}},
              "DomainFilter": {"name": "domain", "in": "query", "description": "Exact value.", "schema": {"type": "string"}},
              "CreatedFrom": {
                "name": "created_from",
                "in": "query",
                "description": "Leads created at or after this: a date (`2026-11-25`, midnight UTC) or a date-time (`2026-11-25T10:00:00Z`).",
                "schema": {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
              },
              "CreatedTo": {
                "name": "created_to",
                "in": "query",
                "description": "Leads created before this (exclusive): a date or a date-time, as `created_from`.",
                "schema": {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
              },
              "Search": {
                "name": "q",
                "in": "query",
                "description": "Case-insensitive substring of email, phone, first name, last name or click_id.",
                "schema": {"type": "string"}
              },
              "Sort": {
                "name": "sort",
                "in": "query",
                "description": "`-created_at`: newest first; `created_at`: oldest first.",
                "schema": {"type": "string", "enum": ["-created_at", "created_at"], "default": "-created_at"}
              },
              "Limit": {
                "name": "limit",
                "in": "query",
                "description": "Page size.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}
              },
              "Cursor": {
                "name": "cursor",
                "in": "query",
                "description": "The `next_cursor` of the previous page: opaque, only valid with the same `sort`.",
                "schema": {"type": "string"}
              },
              "LeadId": {"name": "id", "in": "path", "required": true, "description": "The lead's id.", "schema": {"type": "string"}},
              "UserId": {"name": "id", "in": "path", "required": true, "description": "The user's id.", "schema": {"type": "integer"}},
              "TokenId": {
                "name": "token_id",
                "in": "path",
                "required": true,
                "description": "The token's id: the 16 hex digits after `lcrm_`.",
                "schema": {"$ref": "#/components/schemas/TokenId"}
              },
              "IfMatch": {
                "name": "If-Match",
                "in": "header",
                "description": "The `ETag` the change was based on; 412 when the lead changed since.",
                "schema": {"type": "string"}
              },
              "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "description": "A retry key or a business dedup key; one lead per key. Empty or blank counts as none.",
                "schema": {"type": "string"}
              },
              "XRequestId": {
                "name": "X-Request-Id",
                "in": "header",
                "description": "Echoed on the response; a new one is made when absent.",
                "schema": {"type": "string"}
              }
            },
            "headers": {
              "XRequestId": {
                "description": "The sender's `X-Request-Id`, or a new one: on every response.",
                "required": true,
                "schema": {"type": "string", "minLength": 1}
              },
              "WWWAuthenticate": {"required": true, "schema": {"type": "string", "pattern": "^Bearer"}},
              "RetryAfter": {
                "description": "Seconds to wait before retrying.",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9]+$"}
              },
              "ETag": {
                "description": "The lead's revision, quoted; send it back as `If-Match`.",
                "required": true,
                "schema": {"type": "string", "pattern": "^\"[^\"]+\"$"}
              }
            },
            "securitySchemes": {
              "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "lcrm_<16 hex>_<43 base64url>",
                "description": "A token from `leadcrm user create`, `leadcrm token create` or the users API. Roles: `read` lists and views; `manage` also changes leads and exports CSV; `admin` also erases leads and manages users and tokens. `POST /api/lead` needs one (of any role) only with `INTAKE_AUTH=required`."
              }
            }
          }
        }
        """#
}

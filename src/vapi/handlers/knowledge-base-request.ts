import type { Vapi } from "@vapi-ai/server-sdk";
import { searchFaq } from "../../knowledge/faq-search.js";
import { lastUserText } from "../conversation-text.js";
import type { MessageHandler } from "../router.js";

// A few documents are enough context for one turn; more only slows the model down.
const MAX_DOCUMENTS = 3;

/**
 * Custom knowledge base (protocol reference §5.2): the tenant's FAQ entries that best match the
 * caller's latest turn, with a 0..1 similarity. Nothing relevant, or no tenant, is `[]`.
 */
export function createKnowledgeBaseRequestHandler(): MessageHandler<"knowledge-base-request"> {
  return (message, ctx) => {
    const empty: Vapi.ServerMessageResponseKnowledgeBaseRequest = { documents: [] };
    if (ctx.tenant === undefined) {
      ctx.annotate({ outcome: "unknown-number" });
      return empty;
    }
    const query = lastUserText(message);
    if (query === undefined) {
      ctx.annotate({ outcome: "no-query" });
      return empty;
    }
    const hits = searchFaq(ctx.tenant.tenant, query, { limit: MAX_DOCUMENTS });
    ctx.annotate({ outcome: "documents", documents: hits.length });
    const response: Vapi.ServerMessageResponseKnowledgeBaseRequest = {
      documents: hits.map((hit) => ({
        content: hit.answer,
        similarity: hit.similarity,
        uuid: hit.uuid,
      })),
    };
    return response;
  };
}

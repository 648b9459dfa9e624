using System;
using System.Collections.Generic;
using System.Globalization;

namespace GameLedger
{
    /// <summary>
    /// An RFC 9457 problem document the service answered, as an exception: <see cref="Type"/> is
    /// the stable slug to branch on (<c>insufficient-funds</c>), <see cref="Error"/> the sentence
    /// to show a player, <see cref="Extras"/> the other members (<c>balance</c>, <c>cost</c>, ...).
    /// Subclasses group problems by status; a few common types have their own.
    /// </summary>
    public class ProblemException : Exception
    {
        public ProblemException(ProblemInfo info) : base(MessageOf(info))
        {
            Info = info;
        }

        public ProblemInfo Info { get; }
        public string Type { get { return Info.Type; } }
        public string Title { get { return Info.Title; } }
        public int Status { get { return Info.Status; } }
        public string Detail { get { return Info.Detail; } }
        /// <summary>One sentence for a person: what the shipped game client shows the player.</summary>
        public string Error { get { return Info.Error; } }
        public IReadOnlyDictionary<string, object> Extras { get { return Info.Extras; } }
        /// <summary>The Retry-After the service asked for (429, 503), if any.</summary>
        public TimeSpan? RetryAfter { get { return Info.RetryAfter; } }

        /// <summary>An integer extension member, or null when absent or not an integer.</summary>
        public long? GetLong(string name)
        {
            object v;
            return Extras.TryGetValue(name, out v) && v is long ? (long?)(long)v : null;
        }

        public string GetString(string name)
        {
            object v;
            return Extras.TryGetValue(name, out v) ? v as string : null;
        }

        static string MessageOf(ProblemInfo info)
        {
            var text = !string.IsNullOrEmpty(info.Error) ? info.Error
                : !string.IsNullOrEmpty(info.Detail) ? info.Detail : info.Title;
            return info.Status + " " + info.Type + ": " + text;
        }

        /// <summary>The exception for a non-2xx response (a non-JSON body becomes a generic problem).</summary>
        public static ProblemException From(HttpResponse response)
        {
            var info = ProblemInfo.Parse(response);
            switch (info.Type)
            {
                case "insufficient-funds": return new InsufficientFundsException(info);
                case "idempotency-key-reused": return new IdempotencyKeyReusedException(info);
            }
            switch (info.Status)
            {
                case 400: return new BadRequestException(info);
                case 401: return new AuthenticationException(info);
                case 403: return new ForbiddenException(info);
                case 404: return new NotFoundException(info);
                case 409: return new ConflictException(info);
                case 422: return new RuleViolationException(info);
                case 429: return new RateLimitedException(info);
                case 503: return new ServiceUnavailableException(info);
            }
            return new ProblemException(info);
        }
    }

    /// <summary>The members of a problem document, parsed.</summary>
    public sealed class ProblemInfo
    {
        static readonly HashSet<string> Reserved = new HashSet<string> { "type", "title", "status", "detail", "error" };

        public string Type { get; private set; }
        public string Title { get; private set; }
        public int Status { get; private set; }
        public string Detail { get; private set; }
        public string Error { get; private set; }
        public IReadOnlyDictionary<string, object> Extras { get; private set; }
        public TimeSpan? RetryAfter { get; private set; }

        public static ProblemInfo Parse(HttpResponse response)
        {
            var extras = new Dictionary<string, object>();
            var info = new ProblemInfo { Status = response.Status, Extras = extras, RetryAfter = ParseRetryAfter(response.Header("Retry-After"), DateTime.UtcNow) };
            Dictionary<string, object> doc = null;
            try { doc = Json.Parse(response.Text) as Dictionary<string, object>; }
            catch (JsonException) { }
            if (doc == null)
            {
                info.Type = "about:blank";
                info.Title = "HTTP " + response.Status;
                var text = response.Text;
                info.Detail = text.Length > 200 ? text.Substring(0, 200) : text;
                return info;
            }
            info.Type = doc.ContainsKey("type") ? doc["type"] as string ?? "about:blank" : "about:blank";
            info.Title = doc.ContainsKey("title") ? doc["title"] as string : null;
            info.Detail = doc.ContainsKey("detail") ? doc["detail"] as string : null;
            info.Error = doc.ContainsKey("error") ? doc["error"] as string : null;
            foreach (var pair in doc) if (!Reserved.Contains(pair.Key)) extras[pair.Key] = pair.Value;
            return info;
        }

        /// <summary>Retry-After as delay-seconds or an HTTP-date; null when absent or unreadable.</summary>
        public static TimeSpan? ParseRetryAfter(string value, DateTime nowUtc)
        {
            if (string.IsNullOrEmpty(value)) return null;
            double seconds;
            if (double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
                return TimeSpan.FromSeconds(Math.Max(0, seconds));
            DateTime when;
            if (DateTime.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out when))
                return when > nowUtc ? when - nowUtc : TimeSpan.Zero;
            return null;
        }
    }

    /// <summary>400: the request is malformed (a field, a header, the body).</summary>
    public class BadRequestException : ProblemException { public BadRequestException(ProblemInfo i) : base(i) { } }

    /// <summary>401: no valid token, wrong credentials, or a used refresh token.</summary>
    public class AuthenticationException : ProblemException { public AuthenticationException(ProblemInfo i) : base(i) { } }

    /// <summary>403: not allowed for this account.</summary>
    public class ForbiddenException : ProblemException { public ForbiddenException(ProblemInfo i) : base(i) { } }

    /// <summary>404: no such player, hold, trade, route, ...</summary>
    public class NotFoundException : ProblemException { public NotFoundException(ProblemInfo i) : base(i) { } }

    /// <summary>409: the state moved on (a name taken, a hold no longer pending, a version conflict).</summary>
    public class ConflictException : ProblemException { public ConflictException(ProblemInfo i) : base(i) { } }

    /// <summary>422: a business rule refused the write.</summary>
    public class RuleViolationException : ProblemException { public RuleViolationException(ProblemInfo i) : base(i) { } }

    /// <summary>422 <c>insufficient-funds</c>: the wallet cannot pay. Nothing was written.</summary>
    public class InsufficientFundsException : RuleViolationException
    {
        public InsufficientFundsException(ProblemInfo i) : base(i) { }
        /// <summary>The balance the service saw (of the default currency, or the asset held).</summary>
        public long? Balance { get { return GetLong("balance"); } }
        /// <summary>What it would have cost, when a single currency (else see Extras["cost"]).</summary>
        public long? Cost { get { return GetLong("cost"); } }
        public long? Quantity { get { return GetLong("quantity"); } }
        public string Item { get { return GetString("item"); } }
    }

    /// <summary>422 <c>idempotency-key-reused</c>: the key was used before for another request.</summary>
    public class IdempotencyKeyReusedException : RuleViolationException { public IdempotencyKeyReusedException(ProblemInfo i) : base(i) { } }

    /// <summary>429: throttled; thrown once the retries (honouring Retry-After) are spent.</summary>
    public class RateLimitedException : ProblemException { public RateLimitedException(ProblemInfo i) : base(i) { } }

    /// <summary>503: the service is briefly unable (its database away); retried like 429.</summary>
    public class ServiceUnavailableException : ProblemException { public ServiceUnavailableException(ProblemInfo i) : base(i) { } }
}

using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GameLedger
{
    /// <summary>Settings of a client. Only <see cref="BaseUrl"/> and <see cref="Transport"/> are required.</summary>
    public sealed class GameLedgerOptions
    {
        public string BaseUrl { get; set; }
        public IHttpTransport Transport { get; set; }
        /// <summary>Attempts per call, the first included.</summary>
        public int MaxAttempts { get; set; } = 4;
        /// <summary>A Retry-After longer than this is not waited for: the problem is thrown.</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>The first pause when the service gave no Retry-After; it doubles each time.</summary>
        public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromMilliseconds(200);
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Refresh the access token this long before it expires (at most half its life).</summary>
        public TimeSpan RefreshAhead { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Called before each retry (logging, metrics, tests).</summary>
        public Action<RetryEvent> OnRetry { get; set; }
        /// <summary>Makes the idempotency key of a write that was given none.</summary>
        public Func<string> NewIdempotencyKey { get; set; } = () => Guid.NewGuid().ToString();
    }

    /// <summary>Why and when a call is tried again.</summary>
    public sealed class RetryEvent
    {
        public string Method { get; internal set; }
        public string Path { get; internal set; }
        /// <summary>The attempt that failed (1 for the first).</summary>
        public int Attempt { get; internal set; }
        /// <summary>The same key on every attempt of a write: the service applies it once.</summary>
        public string IdempotencyKey { get; internal set; }
        /// <summary>The problem answered (429, 503), or null after a network failure.</summary>
        public ProblemException Problem { get; internal set; }
        public TransportException NetworkError { get; internal set; }
        public TimeSpan Delay { get; internal set; }
    }

    /// <summary>One call: what to send and what may be retried.</summary>
    public sealed class ApiCall
    {
        public string Method { get; set; } = "GET";
        public string Path { get; set; }
        public object Body { get; set; }
        public bool Authenticated { get; set; } = true;
        /// <summary>Sent as Idempotency-Key on every attempt.</summary>
        public string IdempotencyKey { get; set; }
        /// <summary>Retry after a network failure: GETs, keyed writes and the batch (keys per item).</summary>
        public bool RetryOnNetworkError { get; set; }
    }

    /// <summary>
    /// The core every client shares: sends calls through the transport, retries 429 and 503
    /// (honouring Retry-After) and network failures of calls that are safe to repeat, refreshes
    /// the access token before it expires and once after a 401, and turns problems into
    /// exceptions. It never uses ConfigureAwait(false): on Unity the continuations stay on the
    /// main thread, where UnityWebRequest must be used.
    /// </summary>
    public sealed class LedgerConnection
    {
        readonly GameLedgerOptions options;
        readonly string baseUrl;
        readonly object gate = new object();
        Task refreshing;

        public LedgerConnection(GameLedgerOptions options, Session session = null)
        {
            if (options == null) throw new ArgumentNullException("options");
            if (options.Transport == null) throw new ArgumentException("options.Transport is required");
            if (string.IsNullOrEmpty(options.BaseUrl)) throw new ArgumentException("options.BaseUrl is required");
            this.options = options;
            baseUrl = options.BaseUrl.TrimEnd('/');
            Session = session ?? new Session();
        }

        public Session Session { get; }
        public GameLedgerOptions Options { get { return options; } }

        /// <summary>A fresh idempotency key, or the caller's own.</summary>
        public string KeyFor(string given) { return given ?? options.NewIdempotencyKey(); }

        public async Task<T> SendAsync<T>(ApiCall call, Func<object, T> read, CancellationToken ct)
        {
            var json = await SendAsync(call, ct);
            return read(json);
        }

        /// <summary>The parsed JSON of a 2xx answer (null when it has no body).</summary>
        public async Task<object> SendAsync(ApiCall call, CancellationToken ct)
        {
            var refreshedAfter401 = false;
            for (var attempt = 1; ; attempt++)
            {
                if (call.Authenticated && Session.NeedsRefresh(DateTime.UtcNow, options.RefreshAhead))
                    await RefreshOnceAsync(Session.AccessToken, ct);
                var token = call.Authenticated ? Session.AccessToken : null;
                HttpResponse response;
                try
                {
                    response = await options.Transport.SendAsync(Build(call, token), ct);
                }
                catch (TransportException e)
                {
                    if (!call.RetryOnNetworkError || attempt >= options.MaxAttempts) throw;
                    await PauseAsync(call, attempt, Backoff(attempt), null, e, ct);
                    continue;
                }
                if (response.Status >= 200 && response.Status < 300)
                    return response.Body.Length == 0 ? null : Json.Parse(response.Text);
                var problem = ProblemException.From(response);
                if (response.Status == 401 && token != null && !refreshedAfter401 && Session.CanRefresh)
                {
                    refreshedAfter401 = true;
                    await RefreshOnceAsync(token, ct);
                    attempt--; // the refresh is not a retry of this call
                    continue;
                }
                var retryable = response.Status == 429 || response.Status == 503;
                var delay = problem.RetryAfter ?? Backoff(attempt);
                if (!retryable || attempt >= options.MaxAttempts || delay > options.MaxRetryAfter) throw problem;
                await PauseAsync(call, attempt, delay, problem, null, ct);
            }
        }

        HttpRequest Build(ApiCall call, string token)
        {
            var request = new HttpRequest { Method = call.Method, Url = baseUrl + call.Path, Timeout = options.RequestTimeout };
            request.Headers["Accept"] = "application/json, application/problem+json";
            if (token != null) request.Headers["Authorization"] = "Bearer " + token;
            if (call.IdempotencyKey != null) request.Headers["Idempotency-Key"] = call.IdempotencyKey;
            if (call.Body != null)
            {
                request.Headers["Content-Type"] = "application/json";
                request.Body = Encoding.UTF8.GetBytes(Json.Write(call.Body));
            }
            return request;
        }

        TimeSpan Backoff(int attempt)
        {
            var ms = options.FirstBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1);
            return TimeSpan.FromMilliseconds(Math.Min(ms, options.MaxRetryAfter.TotalMilliseconds));
        }

        async Task PauseAsync(ApiCall call, int attempt, TimeSpan delay, ProblemException problem, TransportException error, CancellationToken ct)
        {
            var hook = options.OnRetry;
            if (hook != null)
                hook(new RetryEvent { Method = call.Method, Path = call.Path, Attempt = attempt, IdempotencyKey = call.IdempotencyKey, Problem = problem, NetworkError = error, Delay = delay });
            if (delay > TimeSpan.Zero) await Task.Delay(delay, ct);
        }

        /// <summary>Log in and keep the tokens; <paramref name="refresh"/> asks for a rotating refresh token.</summary>
        public async Task<LoginResponse> LoginAsync(string username, string password, bool refresh, long? accessTtl, CancellationToken ct)
        {
            var body = new LoginRequest { Username = username, Password = password, Refresh = refresh, AccessTtl = accessTtl };
            // A repeated login only opens another session: safe to retry after a network failure.
            var call = new ApiCall { Method = "POST", Path = Paths.Login, Body = body, Authenticated = false, RetryOnNetworkError = true };
            var answer = await SendAsync(call, LoginResponse.FromJson, ct);
            Session.Accept(answer, DateTime.UtcNow);
            return answer;
        }

        /// <summary>Rotate the refresh token now (calls made meanwhile wait for the one refresh).</summary>
        public Task RefreshAsync(CancellationToken ct) { return RefreshOnceAsync(null, ct); }

        /// <summary>One refresh at a time: two concurrent ones would present the same refresh
        /// token twice, which the service treats as theft and answers by ending the session.</summary>
        Task RefreshOnceAsync(string staleAccess, CancellationToken ct)
        {
            TaskCompletionSource<bool> mine;
            lock (gate)
            {
                if (refreshing != null) return refreshing;
                if (staleAccess != null && Session.AccessToken != staleAccess) return Task.FromResult(true);
                mine = new TaskCompletionSource<bool>();
                refreshing = mine.Task;
            }
            RunRefreshAsync(mine, ct);
            return mine.Task;
        }

        async void RunRefreshAsync(TaskCompletionSource<bool> done, CancellationToken ct)
        {
            try
            {
                var token = Session.RefreshToken;
                if (token == null) throw new InvalidOperationException("no refresh token: log in with refresh: true");
                // Never retried after a network failure: the token may have been used up already.
                var call = new ApiCall { Method = "POST", Path = Paths.TokenRefresh, Body = new RefreshRequest { RefreshToken = token }, Authenticated = false };
                var answer = await SendAsync(call, LoginResponse.FromJson, ct);
                Session.Accept(answer, DateTime.UtcNow);
                Finish(() => done.SetResult(true));
            }
            catch (AuthenticationException e)
            {
                Session.Clear(); // used, expired or revoked: only a new login helps
                Finish(() => done.SetException(e));
            }
            catch (Exception e)
            {
                Finish(() => done.SetException(e));
            }
        }

        void Finish(Action complete)
        {
            lock (gate) refreshing = null;
            complete();
        }

        /// <summary>Revoke the access token and its refresh session, then forget them.</summary>
        public async Task LogoutAsync(CancellationToken ct)
        {
            try
            {
                await SendAsync(new ApiCall { Method = "POST", Path = Paths.Logout }, ct);
            }
            finally
            {
                Session.Clear();
            }
        }

        public static string Expand(string template, string value)
        {
            var open = template.IndexOf('{');
            var close = template.IndexOf('}', open + 1);
            return template.Substring(0, open) + Uri.EscapeDataString(value) + template.Substring(close + 1);
        }
    }
}

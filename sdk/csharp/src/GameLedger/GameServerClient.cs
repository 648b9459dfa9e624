using System;
using System.Threading;
using System.Threading.Tasks;

namespace GameLedger
{
    /// <summary>
    /// A game server's side, with a service account's token (made by
    /// <c>gameledger admin create NAME --role service</c>, then <see cref="LoginAsync"/>; or a
    /// token you already hold, through <see cref="UseToken"/>): stake players with holds,
    /// capture or void them, settle a match, grant currency, and batch top-ups and purchases.
    /// Keys are scoped to the game server, so a retry of the same key never pays twice.
    /// </summary>
    public sealed class GameServerClient
    {
        public GameServerClient(GameLedgerOptions options, Session session = null)
        {
            Connection = new LedgerConnection(options, session);
        }

        public LedgerConnection Connection { get; }
        public Session Session { get { return Connection.Session; } }

        public Task<LoginResponse> LoginAsync(string serviceAccount, string password, bool refresh = true, CancellationToken ct = default(CancellationToken))
        {
            return Connection.LoginAsync(serviceAccount, password, refresh, null, ct);
        }

        /// <summary>Use a service token obtained elsewhere (a secret store, the deployment).</summary>
        public void UseToken(string serviceToken) { Session.Restore(null, serviceToken); }

        public Task<HoldResponse> PlaceHoldAsync(HoldRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.Holds, body, idempotencyKey, HoldResponse.FromJson, ct);
        }

        public Task<HoldResponse> GetHoldAsync(string holdId, CancellationToken ct = default(CancellationToken))
        {
            return Read(LedgerConnection.Expand(Paths.HoldsHoldId, holdId), HoldResponse.FromJson, ct);
        }

        public Task<HoldList> ListHoldsAsync(string status = null, int limit = 50, CancellationToken ct = default(CancellationToken))
        {
            var query = "?limit=" + limit + (status == null ? "" : "&status=" + Uri.EscapeDataString(status));
            return Read(Paths.Holds + query, HoldList.FromJson, ct);
        }

        public Task<HoldResponse> CaptureHoldAsync(string holdId, CaptureRequest body = null, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            var path = LedgerConnection.Expand(Paths.HoldsHoldIdCapture, holdId);
            return Write(path, body ?? new CaptureRequest(), idempotencyKey, HoldResponse.FromJson, ct);
        }

        public Task<HoldResponse> VoidHoldAsync(string holdId, VoidRequest body = null, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            var path = LedgerConnection.Expand(Paths.HoldsHoldIdVoid, holdId);
            return Write(path, body ?? new VoidRequest(), idempotencyKey, HoldResponse.FromJson, ct);
        }

        /// <summary>Capture the holds in one transfer, pay the winners; the rest is the rake.</summary>
        public Task<SettlementResponse> SettleAsync(SettlementRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.Settlements, body, idempotencyKey, SettlementResponse.FromJson, ct);
        }

        public Task<GrantResponse> GrantAsync(GrantRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.Grants, body, idempotencyKey, GrantResponse.FromJson, ct);
        }

        /// <summary>
        /// Up to 1,000 top-ups and purchases, each with its own result. A transfer without an
        /// <c>IdempotencyKey</c> is given one here, written into <paramref name="body"/>, so
        /// sending the same request object again (or the client's own retries) replays rather
        /// than repeats it.
        /// </summary>
        public Task<BatchResponse> BatchAsync(BatchRequest body, CancellationToken ct = default(CancellationToken))
        {
            foreach (var transfer in body.Transfers)
                if (transfer.IdempotencyKey == null) transfer.IdempotencyKey = Connection.KeyFor(null);
            var call = new ApiCall { Method = "POST", Path = Paths.BatchTransfers, Body = body, RetryOnNetworkError = true };
            return Connection.SendAsync(call, BatchResponse.FromJson, ct);
        }

        Task<T> Read<T>(string path, Func<object, T> read, CancellationToken ct)
        {
            return Connection.SendAsync(new ApiCall { Path = path, RetryOnNetworkError = true }, read, ct);
        }

        Task<T> Write<T>(string path, object body, string key, Func<object, T> read, CancellationToken ct)
        {
            var call = new ApiCall { Method = "POST", Path = path, Body = body, IdempotencyKey = Connection.KeyFor(key), RetryOnNetworkError = true };
            return Connection.SendAsync(call, read, ct);
        }
    }
}

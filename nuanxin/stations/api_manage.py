from ninja import Router

manage_router = Router(tags=["station management"])
